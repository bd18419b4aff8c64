"""Every write to the fund's ledger and configuration, one module a feature: ``posting``
(``entry_post``, the one posting function, and ``entry_post_many`` for a batch),
``writes`` (how a posting's rows reach the database), ``chain`` (the text each transfer's
hash covers), ``reversal``, ``funds`` (funds, their grant limits and category caps) and
``period_locks``. Callers import from the feature module.
"""
