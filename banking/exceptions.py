class BankingError(Exception):
    """A banking action refused; the message says why, for the person who tried it."""


class StatementRefused(BankingError):
    """A statement file that does not parse: nothing from it is stored."""

    def __init__(self, line: int, reason: str):
        self.line = line
        self.reason = reason
        super().__init__(f"Line {line}: {reason}")


class MatchRefused(BankingError):
    pass


class WorkRefused(BankingError):
    pass


class ReconciliationRefused(BankingError):
    pass
