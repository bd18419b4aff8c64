"""The bank reconciliation statement as an export: PDF (reportlab) and CSV, with a manifest.

The figures come from ``banking.selectors.reconciliation_statement`` for each bank account
at the period's end date (today when none is given), the same figures the reconciliation
page shows.
"""

from django.utils import timezone

from audit.statements import StatementContext, _table, build_pdf, heading, note
from banking.models import BankAccount
from banking.selectors import reconciliation_statement
from fund.money import format_gbp as pounds
from fund.spreadsheets import write_table

TITLE = "Bank reconciliation"
HEADER = ["Bank account", "As of", "Section", "Date", "Description", "Amount"]


def _figures(params):
    as_of = params.date_to or timezone.localdate()
    return [
        reconciliation_statement(account, as_of) for account in BankAccount.objects.order_by("pk")
    ]


def _rows(params):
    for f in _figures(params):
        name, on = f.bank_account.name, f.as_of
        statement = f.statement_balance.amount if f.statement_balance is not None else None
        yield (name, on, "Ledger balance", None, "", f.ledger_balance.amount)
        for item in f.not_on_statement:
            yield (
                name,
                on,
                "In the ledger, not yet on the statement",
                item.effective_date,
                item.memo,
                item.amount.amount,
            )
        yield (
            name,
            on,
            "Items not yet on the statement",
            None,
            "",
            f.not_on_statement_total.amount,
        )
        yield (name, on, "Statement balance", None, "", statement)
        for line in f.not_in_ledger:
            yield (
                name,
                on,
                "On the statement, not yet in the ledger",
                line.posted_on,
                line.description,
                line.amount.amount,
            )
        yield (name, on, "Unexplained difference", None, "", f.difference.amount)


def write_bank_reconciliation(file_format: str, params, head, stream) -> int:
    if file_format == "csv":
        return write_table("csv", stream, title=TITLE, header=HEADER, rows=_rows(params))
    story, rows = [], 0
    for f in _figures(params):
        story.append(heading(f"{f.bank_account.name} at {f.as_of:%d %b %Y}"))
        summary = [
            ["Ledger balance", pounds(f.ledger_balance)],
            ["Less items in the ledger not yet on the statement", pounds(f.not_on_statement_total)],
            [
                "Statement balance",
                pounds(f.statement_balance) if f.statement_balance is not None else "none",
            ],
        ]
        story.append(
            _table(
                ["Figure", "Amount"],
                summary,
                ["Unexplained difference", pounds(f.difference)],
                [120 * 2.83, 50 * 2.83],
                1,
            )
        )
        story.append(heading("Items in the ledger not yet on the statement"))
        items = [
            [i.effective_date.strftime("%d %b %Y"), note(i.memo), pounds(i.amount)]
            for i in f.not_on_statement
        ]
        story.append(
            _table(
                ["Date", "Entry", "Amount"],
                items or [["", "None", ""]],
                None,
                [28 * 2.83, 110 * 2.83, 32 * 2.83],
                2,
            )
        )
        story.append(heading("Lines on the statement not yet in the ledger"))
        lines = [
            [x.posted_on.strftime("%d %b %Y"), note(x.description), pounds(x.amount)]
            for x in f.not_in_ledger
        ]
        story.append(
            _table(
                ["Date", "Line", "Amount"],
                lines or [["", "None", ""]],
                None,
                [28 * 2.83, 110 * 2.83, 32 * 2.83],
                2,
            )
        )
        if f.reconciled:
            story.append(
                note(
                    f"Marked reconciled by {f.reconciled.reconciled_by} on "
                    f"{timezone.localtime(f.reconciled.reconciled_at):%d %b %Y}."
                )
            )
        rows += len(items) + len(lines) + 4
    context = StatementContext(
        title=TITLE,
        scope=f"All bank accounts at {(params.date_to or timezone.localdate()):%d %b %Y}",
        generated_at=timezone.now(),
        head_sequence=head.sequence,
        head_hash=head.hash,
    )
    build_pdf(stream, context, story)
    return rows
