"""Every write of the banking app, split by feature: ``layouts`` (CSV layouts),
``statements`` (importing a statement file), ``matching`` (suggested matches confirmed and
undone, the automatic rules), ``worked_lines`` (an unmatched line worked into an entry of
its own), ``suspense`` (unknown receipts cleared) and ``reconciliation``.

Keyword-only functions taking the actor. Ledger entries go through
``fund.services.posting`` / ``fund.services.reversal``. The payments a statement import
confirms by itself (HMRC's Gift Aid and GASDS payments, card provider payouts) are
prepared by the donations services that record them, posted together in one
``entry_post_many`` batch, then saved by those services.
"""
