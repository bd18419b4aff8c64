"""Domain errors raised by the fund services; views turn them into messages."""


class LedgerError(Exception):
    """Base class: a posting was refused and nothing changed."""


class InsufficientFunds(LedgerError):
    def __init__(self, fund, available, needed):
        self.fund = fund
        self.available = available
        self.needed = needed
        super().__init__(
            f"{fund.name} has {available} available; this needs {needed}. Nothing was posted."
        )


class PeriodLocked(LedgerError):
    def __init__(self, fund, effective_date):
        self.fund = fund
        self.effective_date = effective_date
        super().__init__(
            f"{fund.name} is closed up to {fund.lock_date.day} {fund.lock_date:%b %Y}; "
            f"an entry dated {effective_date.day} {effective_date:%b %Y} cannot be posted."
        )


class InvalidPosting(LedgerError):
    """The posting itself is malformed (no legs, a non-positive or non-GBP amount...)."""


class AlreadyReversed(LedgerError):
    pass
