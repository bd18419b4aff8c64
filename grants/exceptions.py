"""Domain errors raised by the grant services; views turn them into messages."""

from fund.money import format_gbp


class GrantError(Exception):
    """Base class: the action was refused and nothing changed."""


class InvalidTransition(GrantError):
    def __init__(self, grant, to_status):
        self.grant = grant
        self.to_status = to_status
        super().__init__(
            f"{grant.reference} is {grant.get_status_display().lower()}; it cannot be "
            f"moved to “{grant.Status(to_status).label.lower()}”."
        )


class NotAllowed(GrantError):
    """A separation-of-duties or ownership rule refuses this person."""


class OverCap(GrantError):
    """A request is over a category, per-grant or per-client cap."""


class PersonalDataFound(GrantError):
    def __init__(self, field_label: str, kinds: list[str]):
        self.field_label = field_label
        self.kinds = kinds
        super().__init__(
            f"{field_label} looks like it contains {', '.join(kinds)}. Clients are known only by "
            "their agency's reference: please remove it."
        )


class InvalidUpload(GrantError):
    pass


class InvalidRequest(GrantError):
    """The request itself is incomplete or inconsistent (no line items, a bad fund...)."""


class BankShareShort(GrantError):
    """A payment out of the bank would take the fund's share of the bank below zero."""

    def __init__(self, *, fund_name: str, payment, share):
        self.payment = payment
        self.share = share
        self.short = share.shortfall(payment)
        waiting = []
        if share.cash_in_transit.amount > 0:
            waiting.append(f"{format_gbp(share.cash_in_transit)} in cash not banked")
        if share.stripe.amount > 0:
            waiting.append(f"{format_gbp(share.stripe)} in Stripe")
        where = (
            f" {fund_name} still has {' and '.join(waiting)}."
            if waiting
            else f" {fund_name} has no money waiting to be banked."
        )
        super().__init__(
            f"Paying {format_gbp(payment)} would take {fund_name}'s share of the bank "
            f"{format_gbp(self.short)} short: it has {format_gbp(share.bank)} in the bank."
            f"{where} Bank the cash, wait for the Stripe payout, or pay from another fund. "
            "Nothing was recorded."
        )
