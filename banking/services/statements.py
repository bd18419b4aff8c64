"""Importing a statement file: new lines stored once, continuity checked, matches made."""

import hashlib
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from djmoney.money import Money

from banking.access import require_role
from banking.exceptions import StatementRefused
from banking.models import BankAccount, Statement, StatementLine
from banking.parsing import ParsedLine, detect_format, detect_layout, parse_csv, parse_ofx
from banking.services.layouts import layout_for
from banking.services.matching import LOOKUP_CHUNK, auto_match
from fund.money import format_gbp, gbp
from people.roles import HANDLER_ROLES


@dataclass(frozen=True)
class ImportResult:
    statement: Statement
    added: int
    already_held: int
    auto_matched: int
    # Lines a rule would have confirmed but the ledger refused (a closed period), each
    # with the reason: stored and left unmatched for an officer.
    left_unmatched: tuple[tuple[StatementLine, str], ...] = ()

    @property
    def gap(self) -> Money | None:
        return self.statement.gap

    def left_unmatched_notes(self) -> list[str]:
        """Each line left unmatched, in words for the person who imported the file."""
        return [
            f"{line.description} ({line.posted_on:%-d %b %Y}, {format_gbp(line.amount)}) was "
            f"not matched automatically: {reason} Nothing was recorded for it; it stays on "
            "the lines to work until a manager decides how to record it."
            for line, reason in self.left_unmatched
        ]


def statement_import(
    *,
    actor: AbstractBaseUser,
    bank_account: BankAccount,
    content: bytes,
    file_name: str,
    file_format: str | None = None,
    layout: str | None = None,
) -> ImportResult:
    """Import a statement file: new lines stored once, continuity checked, matches made.

    A file that does not parse raises ``StatementRefused`` (line and reason) and stores
    nothing. Lines already held (the same file again, or statements that overlap) are
    skipped by their fingerprint. Where the first new line does not follow on from the last
    closing balance, the gap is recorded on the statement and reported. A line the
    ledger refuses to confirm automatically (its date is in a closed period) is stored
    unmatched and reported with the reason; the rest of the file still lands.
    """
    require_role(actor, HANDLER_ROLES, "fund officers and managers")
    file_format = file_format or detect_format(content)
    if file_format == "ofx":
        parsed, _closing = parse_ofx(content)
        layout_name = ""
    elif file_format == "csv":
        layout_name = layout or detect_layout(content)
        if layout_name is None:
            raise StatementRefused(
                1,
                "the heading row is not a layout the fund knows: choose the layout, or ask a "
                "manager to define it.",
            )
        parsed = parse_csv(content, layout_for(layout_name))
    else:
        raise StatementRefused(1, f"{file_format!r} is not a statement format (csv or ofx).")

    with transaction.atomic():
        account = BankAccount.objects.select_for_update().get(pk=bank_account.pk)
        held = _held_fingerprints(account, [p.fingerprint for p in parsed])
        new = [p for p in parsed if p.fingerprint not in held]
        last = StatementLine.objects.filter(bank_account=account).order_by("-position").first()
        previous_closing = last.balance if last else None
        gap = None
        if new and last is not None:
            opening = gbp(new[0].balance - new[0].amount)
            if opening != last.balance:
                gap = opening - last.balance
        statement = Statement(
            bank_account=account,
            file_name=file_name[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            file_format=file_format,
            layout=layout_name,
            first_date=parsed[0].posted_on,
            last_date=parsed[-1].posted_on,
            opening_balance=gbp(parsed[0].balance - parsed[0].amount),
            closing_balance=gbp(parsed[-1].balance),
            lines_in_file=len(parsed),
            lines_added=len(new),
            previous_closing=previous_closing,
            gap=gap,
            imported_by=actor,
        )
        statement._history_user = actor
        statement.save()
        position = last.position if last else 0
        rows = []
        for p in new:
            position += 1
            rows.append(_line(account, statement, p, position))
        StatementLine.objects.bulk_create(rows, batch_size=2_000)
        stored = list(StatementLine.objects.filter(statement=statement).order_by("position"))
        matched = auto_match(actor=actor, bank_account=account, lines=stored)
    return ImportResult(
        statement, len(new), len(parsed) - len(new), matched.matched, matched.left_unmatched
    )


def _held_fingerprints(account: BankAccount, fingerprints: list[str]) -> set[str]:
    held: set[str] = set()
    for i in range(0, len(fingerprints), LOOKUP_CHUNK):
        held |= set(
            StatementLine.objects.filter(
                bank_account=account, fingerprint__in=fingerprints[i : i + LOOKUP_CHUNK]
            ).values_list("fingerprint", flat=True)
        )
    return held


def _line(account, statement, p: ParsedLine, position: int) -> StatementLine:
    return StatementLine(
        bank_account=account,
        statement=statement,
        posted_on=p.posted_on,
        position=position,
        amount=gbp(p.amount),
        description=p.description,
        kind=p.kind,
        balance=gbp(p.balance),
        fitid=p.fitid,
        fingerprint=p.fingerprint,
    )
