"""Reads behind the staff dashboard and the partner view, split by what they compute:
``periods`` (the date ranges and the months or quarters figures are grouped by),
``small_numbers`` (the rule for figures shown outside the fund's staff), ``balances``,
``money_by_month`` (income and grants from the ledger), ``waits`` (how long requests wait)
and ``grant_counts`` (grants, outcomes and receipts counted).

Money figures come from the ledger (transfers and cached balances), never from the
business records, so the dashboard agrees with ``verify_ledger`` and the exports. Months
are calendar months of the entry's effective date.
"""
