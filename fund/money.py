"""Money helpers, in one place: sums to money, how amounts are shown, pence at the Stripe
boundary and the checks every amount a service accepts must pass.

Money is django-money's ``Money`` (Decimal, GBP) everywhere; integer pence only where Stripe
wants them.
"""

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum

from djmoney.money import Money

PENNY = Decimal("0.01")


def gbp(amount: Decimal | None) -> Money:
    """A database sum (``None`` when there were no rows) as pounds sterling, to the penny.

    SQLite can hand back a sum such as 6.5 without its trailing zero; quantizing keeps every
    figure in pence (6.50), whichever database added it up."""
    return Money(Decimal(amount or 0).quantize(PENNY), "GBP")


def format_gbp(value: Money | Decimal | str | None) -> str:
    """Money as UK readers expect: £1,234.56, and -£12.00 when negative."""
    if value is None or value == "":
        return ""
    amount = value.amount if isinstance(value, Money) else Decimal(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


def money_text(value: Money) -> str:
    """An amount as plain text for a file a machine or person reads back: ``12.50 GBP``."""
    return f"{value.amount:.2f} {value.currency}"


def to_pence(amount: Money) -> int:
    """Integer pence, only at the Stripe boundary."""
    return int((amount.amount * 100).to_integral_value())


def from_pence(pence: int) -> Money:
    return Money((Decimal(pence) / Decimal(100)).quantize(PENNY), "GBP")


class AmountProblem(StrEnum):
    NOT_MONEY = "not money"
    NOT_STERLING = "not pounds sterling"
    NOT_POSITIVE = "not more than £0.00"
    NEGATIVE = "less than £0.00"
    NOT_WHOLE_PENCE = "not whole pence"


def amount_problem(
    amount, *, positive: bool = True, zero_allowed: bool = False
) -> AmountProblem | None:
    """What is wrong with ``amount`` as an amount of the fund's money, or None.

    ``positive`` asks for more than £0.00; with ``zero_allowed`` too, for £0.00 or more."""
    if not isinstance(amount, Money):
        return AmountProblem.NOT_MONEY
    if str(amount.currency) != "GBP":
        return AmountProblem.NOT_STERLING
    if positive and zero_allowed and amount.amount < 0:
        return AmountProblem.NEGATIVE
    if positive and not zero_allowed and amount.amount <= 0:
        return AmountProblem.NOT_POSITIVE
    if amount.amount != amount.amount.quantize(PENNY):
        return AmountProblem.NOT_WHOLE_PENCE
    return None


def check_amount(
    amount,
    *,
    error: type[Exception],
    messages: Mapping[AmountProblem, str],
    positive: bool = True,
    zero_allowed: bool = False,
) -> Money:
    """Return ``amount`` if it is sterling in whole pence (and more than £0.00 when
    ``positive``, or £0.00 or more with ``zero_allowed``); otherwise raise ``error`` with
    the caller's message for the problem. A message may name ``{type}``, ``{currency}`` or
    ``{amount}``."""
    problem = amount_problem(amount, positive=positive, zero_allowed=zero_allowed)
    if problem is None:
        return amount
    raise error(
        messages[problem].format(
            type=type(amount).__name__,
            currency=getattr(amount, "currency", ""),
            amount=getattr(amount, "amount", amount),
        )
    )
