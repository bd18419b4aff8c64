"""Funds, their grant limits (``FundRules``) and category caps; history records each change."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from djmoney.money import Money

from fund.models import Account, Balance, CategoryCap, Fund, FundRules
from fund.services.posting import check_ledger_amount


def fund_create(
    *,
    actor: AbstractBaseUser,
    code: str,
    name: str,
    kind: str,
    purpose: str = "",
    funder: str = "",
    period_start: date | None = None,
    period_end: date | None = None,
) -> Fund:
    """Create a fund with its rules, default category caps and a zero balance per account."""
    with transaction.atomic():
        fund = Fund(
            code=code,
            name=name,
            kind=kind,
            purpose=purpose,
            funder=funder,
            period_start=period_start,
            period_end=period_end,
        )
        fund._history_user = actor
        fund.full_clean()
        fund.save()
        Balance.objects.bulk_create(
            [Balance(account=account, fund=fund) for account in Account.objects.all()]
        )
        rules = FundRules(fund=fund)
        rules._history_user = actor
        rules.save()
        for account in Account.objects.filter(is_grant_category=True):
            cap = CategoryCap(
                fund=fund,
                account=account,
                cap=DEFAULT_CATEGORY_CAPS.get(account.code, Money("250.00", "GBP")),
            )
            cap._history_user = actor
            cap.save()
    return fund


DEFAULT_CATEGORY_CAPS = {
    "expenses:grants:phone": Money("70.00", "GBP"),
    "expenses:grants:id-documents": Money("60.00", "GBP"),
    "expenses:grants:personal-care": Money("20.00", "GBP"),
    "expenses:grants:clothing": Money("100.00", "GBP"),
    "expenses:grants:travel": Money("50.00", "GBP"),
    "expenses:grants:furniture": Money("500.00", "GBP"),
    "expenses:grants:white-goods": Money("300.00", "GBP"),
    "expenses:grants:other": Money("250.00", "GBP"),
}


def fund_rules_update(*, actor: AbstractBaseUser, fund: Fund, **limits: Money) -> FundRules:
    """Change a fund's grant limits; history records who changed what."""
    allowed = {
        "per_grant_cap",
        "per_client_12_month_cap",
        "two_approver_threshold",
        "online_donation_max",
    }
    unknown = limits.keys() - allowed
    if unknown:
        raise TypeError(f"Unknown fund rule(s): {', '.join(sorted(unknown))}")
    with transaction.atomic():
        rules = FundRules.objects.select_for_update().get(fund=fund)
        for name, value in limits.items():
            check_ledger_amount(value) if name != "two_approver_threshold" else None
            setattr(rules, name, value)
        rules._history_user = actor
        rules.full_clean()
        rules.save()
    return rules


def category_cap_set(
    *, actor: AbstractBaseUser, fund: Fund, account: Account, cap: Money
) -> CategoryCap:
    check_ledger_amount(cap)
    with transaction.atomic():
        row, _ = CategoryCap.objects.select_for_update().get_or_create(
            fund=fund, account=account, defaults={"cap": cap}
        )
        row.cap = cap
        row._history_user = actor
        row.save()
    return row
