"""The ledger as plain-text journals that independent accounting tools can re-check."""

from collections.abc import Iterator
from datetime import date

from fund.models import Account, Transfer

CHUNK = 20_000
_HLEDGER_TYPES = {"asset": "A", "liability": "L", "income": "R", "expense": "X"}


def _clean(text: str) -> str:
    """Journal descriptions and comments are one line; ';' would start a comment."""
    return " ".join(text.replace(";", ",").split())


def transfer_rows(*, date_from: date | None = None, date_to: date | None = None, fund=None):
    rows = Transfer.objects.order_by("sequence")
    if date_from:
        rows = rows.filter(entry__effective_date__gte=date_from)
    if date_to:
        rows = rows.filter(entry__effective_date__lte=date_to)
    if fund is not None:
        rows = rows.filter(fund=fund)
    return rows.values_list(
        "entry_id",
        "entry__effective_date",
        "entry__memo",
        "entry__source",
        "sequence",
        "fund__code",
        "debit_account__code",
        "credit_account__code",
        "amount",
    ).iterator(chunk_size=CHUNK)


def hledger_lines(**filters) -> Iterator[str]:
    """Yield an hledger journal: one transaction per entry, debits positive, in £."""
    yield "; Changing Lives Fund ledger, exported for hledger\n"
    yield "commodity £1,000.00\n\n"
    for code, type_ in Account.objects.order_by("code").values_list("code", "type"):
        yield f"account {code}  ; type: {_HLEDGER_TYPES[type_]}\n"
    current = None
    for entry_id, day, memo, source, sequence, fund, debit, credit, amount in transfer_rows(
        **filters
    ):
        if entry_id != current:
            current = entry_id
            yield f"\n{day.isoformat()} (E{entry_id}) {_clean(memo)}  ; source:{_clean(source)}\n"
        yield f"    {debit}  £{amount:.2f}  ; fund:{fund}, seq:{sequence}\n"
        yield f"    {credit}  £-{amount:.2f}  ; fund:{fund}, seq:{sequence}\n"


def write_hledger(stream, **filters) -> None:
    for line in hledger_lines(**filters):
        stream.write(line)
