"""Every write of the banking app, split by feature: ``layouts`` (CSV layouts),
``statements`` (importing a statement file), ``matching`` (suggested matches confirmed and
undone, the automatic rules), ``worked_lines`` (an unmatched line worked into an entry of
its own), ``suspense`` (unknown receipts cleared) and ``reconciliation``.

Keyword-only functions taking the actor. Ledger entries go through
``fund.services.entry_post`` / ``entry_reverse``; HMRC's payments through the donations
services that record them.
"""
