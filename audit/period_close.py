"""Closing a period: the fund manager's checklist, then the ledger's period lock.

Each item of the checklist is a function taking the fund and the period's last day and
returning a ``Check``: whether it is clear, a short explanation and a link to put it right.
The period is locked through ``fund.services.period_locks.fund_lock_period``; while an item
is open the lock is refused unless the manager gives a reason, which the fund's history
keeps.

Bank and Stripe reconciliation are read from ``banking.Reconciliation`` and
``donations.StripeBalanceCheck``: the first record on or after the period end (the last of
that day) must show no difference; with none, the item says "not yet reconciled".
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Sum
from django.urls import NoReverseMatch, reverse

from donations.models import Collection, OnlinePayment
from donations.services.giftaid import earliest_claimable, gift_aid_eligible
from fund.exceptions import InvalidPosting
from fund.models import Account, Fund, Transfer
from fund.money import format_gbp
from fund.services.period_locks import fund_lock_period

SUSPENSE_CODES = ("liabilities:suspense", "assets:suspense")
RECEIPT_TASK = "donations.receipts.receipt_send_task"


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    ok: bool
    explanation: str
    fix_url: str = ""
    fix_label: str = ""


def _url(name: str, query: str = "") -> str:
    try:
        return reverse(name) + (f"?{query}" if query else "")
    except NoReverseMatch:
        return ""


def check_collections_banked(fund: Fund, period_end: date) -> Check:
    """No box collection confirmed (cash in transit) that is not in a deposit by the end."""
    waiting = Collection.objects.filter(
        point__fund=fund, status=Collection.Status.CONFIRMED, emptied_at__date__lte=period_end
    )
    banked_late = Collection.objects.filter(
        point__fund=fund,
        status=Collection.Status.BANKED,
        emptied_at__date__lte=period_end,
        deposit__banked_on__gt=period_end,
    )
    count = waiting.count() + banked_late.count()
    if not count:
        return Check(
            "collections",
            "Every collection banked",
            True,
            "Every box collection "
            "confirmed by the end of the period is in a deposit banked by then.",
        )
    return Check(
        "collections",
        "Every collection banked",
        False,
        f"{count} confirmed collection{'s' if count != 1 else ''} not in a deposit banked "
        f"on or before {period_end:%-d %b %Y}.",
        _url("donations:cash_in_transit"),
        "Bank the cash in transit",
    )


def _latest_reconciliation(model_labels: tuple[str, ...], fund: Fund, period_end: date):
    """The newest reconciliation record up to the period end, from whichever app has one."""
    for label in model_labels:
        app_label, _, model_name = label.partition(".")
        if not apps.is_installed(app_label) and app_label not in apps.app_configs:
            continue
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        return model, _reconciliation_for(model, fund, period_end)
    return None, None


def _reconciliation_for(model, fund: Fund, period_end: date):
    names = {f.name for f in model._meta.get_fields()}
    rows = model.objects.all()
    if "fund" in names:
        rows = rows.filter(fund=fund)
    for date_field in ("as_of", "period_end", "statement_date", "checked_on"):
        if date_field in names:
            return (
                rows.filter(**{f"{date_field}__gte": period_end})
                .order_by(date_field, "-pk")
                .first()
            )
    return rows.order_by("-pk").first()


def _difference(record) -> Decimal | None:
    for name in ("difference", "unexplained_difference"):
        value = getattr(record, name, None)
        if value is not None:
            return Decimal(getattr(value, "amount", value))
    return None


def _reconciliation_check(code, title, labels, fund, period_end, fix_name) -> Check:
    model, record = _latest_reconciliation(labels, fund, period_end)
    if record is None:
        return Check(
            code,
            title,
            False,
            "Not yet reconciled — no reconciliation recorded.",
            _url(fix_name) if model else "",
            "Reconcile" if model else "",
        )
    difference = _difference(record)
    if difference:
        return Check(
            code,
            title,
            False,
            f"Reconciled with a difference of {format_gbp(difference)}.",
            _url(fix_name),
            "Explain the difference",
        )
    return Check(code, title, True, "Reconciled with no difference.")


# The models read, first found first.
BANK_RECONCILIATION_MODELS = ("banking.Reconciliation",)
STRIPE_RECONCILIATION_MODELS = ("donations.StripeBalanceCheck",)


def check_bank_reconciled(fund: Fund, period_end: date) -> Check:
    return _reconciliation_check(
        "bank",
        "Bank reconciled",
        BANK_RECONCILIATION_MODELS,
        fund,
        period_end,
        "banking:reconciliation",
    )


def check_stripe_reconciled(fund: Fund, period_end: date) -> Check:
    return _reconciliation_check(
        "stripe",
        "Stripe balance reconciled",
        STRIPE_RECONCILIATION_MODELS,
        fund,
        period_end,
        "donations:stripe-checks",
    )


def check_nothing_in_suspense(fund: Fund, period_end: date) -> Check:
    accounts = list(Account.objects.filter(code__in=SUSPENSE_CODES))
    title = "Nothing in suspense"
    if not accounts:
        return Check("suspense", title, True, "The chart has no suspense account.")
    transfers = Transfer.objects.filter(fund=fund, entry__effective_date__lte=period_end)
    held = Decimal(0)
    for account in accounts:
        debit = transfers.filter(debit_account=account).aggregate(t=Sum("amount"))["t"] or 0
        credit = transfers.filter(credit_account=account).aggregate(t=Sum("amount"))["t"] or 0
        held += abs(Decimal(debit) - Decimal(credit))
    if held:
        return Check(
            "suspense",
            title,
            False,
            f"{format_gbp(held)} is held in suspense.",
            _url("banking:suspense") or _url("audit:exports"),
            "Clear the suspense items",
        )
    return Check("suspense", title, True, "The suspense account is clear.")


def check_receipts_chased(fund: Fund, period_end: date) -> Check:
    """No online gift in the period whose receipt e-mail failed and was never sent."""
    title = "Receipts chased"
    if not apps.is_installed("django_tasks_db"):
        return Check("receipts", title, True, "Receipts are sent straight away.")
    from django_tasks_db.models import DBTaskResult

    results = DBTaskResult.objects.filter(task_path=RECEIPT_TASK)
    sent, failed = set(), set()
    for status, args_kwargs in results.values_list("status", "args_kwargs"):
        args = (args_kwargs or {}).get("args") or []
        if not args:
            continue
        (sent if status == "SUCCESSFUL" else failed if status == "FAILED" else set()).add(args[0])
    unsent = OnlinePayment.objects.filter(
        fund=fund, paid_on__lte=period_end, pk__in=failed - sent
    ).count()
    if unsent:
        return Check(
            "receipts",
            title,
            False,
            f"{unsent} online gift{'s' if unsent != 1 else ''} whose receipt e-mail failed.",
            _url("donations:online-list"),
            "See the online gifts",
        )
    return Check("receipts", title, True, "Every receipt e-mail has been sent.")


def check_gift_aid_claimed(fund: Fund, period_end: date) -> Check:
    title = "Gift Aid claimed to date"
    waiting = gift_aid_eligible(earliest_claimable(period_end), period_end).filter(fund=fund)
    count = waiting.count()
    if count:
        return Check(
            "gift-aid",
            title,
            False,
            f"{count} gift{'s' if count != 1 else ''} "
            f"up to {period_end:%-d %b %Y} not yet claimed.",
            _url("donations:gift-aid"),
            "Make a Gift Aid claim",
        )
    return Check("gift-aid", title, True, "Every claimable gift has been claimed.")


CHECKS: tuple[Callable[[Fund, date], Check], ...] = (
    check_collections_banked,
    check_bank_reconciled,
    check_stripe_reconciled,
    check_nothing_in_suspense,
    check_receipts_chased,
    check_gift_aid_claimed,
)


def period_checklist(fund: Fund, period_end: date) -> list[Check]:
    return [check(fund, period_end) for check in CHECKS]


class ChecklistOpen(InvalidPosting):
    """The period has open items and no reason was given for closing it anyway."""


def period_close(
    *, actor: AbstractBaseUser, fund: Fund, period_end: date, reason: str = ""
) -> Fund:
    """Lock ``fund`` up to ``period_end``; refused while an item is open unless ``reason``."""
    open_items = [c for c in period_checklist(fund, period_end) if not c.ok]
    reason = reason.strip()
    if open_items and not reason:
        raise ChecklistOpen(
            "The period has open items: "
            + "; ".join(c.title for c in open_items)
            + ". Put them right, or record why the period is closed anyway."
        )
    return fund_lock_period(
        actor=actor, fund=fund, lock_date=period_end, reason=reason if open_items else ""
    )


def lock_history(fund: Fund) -> list[dict]:
    """Every change of the fund's lock date: when, by whom, to what, and any reason."""
    rows, previous = [], None
    for record in fund.history.order_by("history_date", "history_id").select_related(
        "history_user"
    ):
        if record.lock_date != previous and record.lock_date is not None:
            rows.append(
                {
                    "at": record.history_date,
                    "by": record.history_user,
                    "lock_date": record.lock_date,
                    "reason": record.history_change_reason or "",
                }
            )
        previous = record.lock_date
    rows.reverse()
    return rows
