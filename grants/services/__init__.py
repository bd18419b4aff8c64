"""Every write to grants, one module a feature: ``agencies`` (agencies, key workers,
clients), ``requests`` (a key worker's request and the fund's caps), ``decisions``,
``payments`` (payouts, outcomes, closing) and ``documents`` (uploads); ``checks`` holds the
guards and status sets they share. Callers import from the feature module.

The workflow is ``Grant.Status`` plus ``Grant.ALLOWED_TRANSITIONS``;
``fund.workflow.transition`` is the one place a status changes. It re-reads the row under
``select_for_update`` so two people acting on the same request at once are serialised: the
second sees the first's result and is refused by the table rather than acting on a stale
status.
"""
