"""The ledger as plain-text journals that independent accounting tools can re-check.

hledger and beancount both read these files; the tests run the real ``hledger`` and
``bean-check`` on them and compare every account balance with the app's. The beancount
file ends with a ``balance`` assertion per account, taken from a database aggregate over
the same transfers, so ``bean-check`` itself fails if the postings disagree with it.
"""

from collections.abc import Iterator
from datetime import date, timedelta

from audit.selectors import account_totals, date_span, transfers_in
from fund.models import Account

CHUNK = 20_000
_HLEDGER_TYPES = {"asset": "A", "liability": "L", "income": "R", "expense": "X"}


def _clean(text: str) -> str:
    """Journal descriptions and comments are one line; ';' would start a comment."""
    return " ".join(text.replace(";", ",").split())


def _quoted(text: str) -> str:
    return '"' + _clean(text).replace("\\", "/").replace('"', "'") + '"'


def transfer_rows(*, date_from=None, date_to=None, fund=None, up_to_sequence=None):
    rows = transfers_in(
        date_from=date_from, date_to=date_to, fund=fund, up_to_sequence=up_to_sequence
    ).order_by("sequence")
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


def beancount_account(code: str) -> str:
    """``expenses:grants:id-documents`` becomes ``Expenses:Grants:Id-documents``."""
    return ":".join(part[:1].upper() + part[1:] for part in code.split(":"))


def beancount_lines(**filters) -> Iterator[str]:
    """Yield a beancount file: one transaction per entry, then a balance check per account."""
    first, last = date_span(**filters)
    opened = first or filters.get("date_from") or date.today()
    yield "; Changing Lives Fund ledger, exported for beancount\n"
    yield 'option "title" "Changing Lives Fund"\n'
    yield 'option "operating_currency" "GBP"\n\n'
    accounts = list(Account.objects.order_by("code").values_list("pk", "code"))
    for _pk, code in accounts:
        yield f"{opened.isoformat()} open {beancount_account(code)} GBP\n"
    current = None
    for entry_id, day, memo, source, sequence, fund, debit, credit, amount in transfer_rows(
        **filters
    ):
        if entry_id != current:
            current = entry_id
            yield (
                f"\n{day.isoformat()} * {_quoted(memo)} ^E{entry_id}\n"
                f'  entry: "{entry_id}"\n  source: {_quoted(source)}\n'
            )
        yield (
            f"  {beancount_account(debit)}  {amount:.2f} GBP\n"
            f'    fund: "{fund}"\n    sequence: "{sequence}"\n'
            f"  {beancount_account(credit)}  -{amount:.2f} GBP\n"
            f'    fund: "{fund}"\n    sequence: "{sequence}"\n'
        )
    # Balance assertions apply at the start of their date: the day after the last entry.
    checked = (last or opened) + timedelta(days=1)
    totals = account_totals(**filters)
    yield "\n; Balances according to the app, checked by bean-check\n"
    for pk, code in accounts:
        net = totals[pk].net_debit if pk in totals else 0
        yield f"{checked.isoformat()} balance {beancount_account(code)}  {net:.2f} GBP\n"


def write_hledger(stream, **filters) -> None:
    """Write the hledger journal to a text stream."""
    for line in hledger_lines(**filters):
        stream.write(line)
