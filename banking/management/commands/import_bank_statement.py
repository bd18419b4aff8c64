from functools import partial
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from banking.exceptions import BankingError, StatementRefused
from banking.models import BankAccount, CsvLayout
from banking.services.statements import statement_import
from fund.money import format_gbp
from people.roles import HANDLER_ROLES


class Command(BaseCommand):
    help = "Import a bank statement (OFX or CSV) for scheduled imports; nothing is stored twice."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--account", required=True, help="The bank account's code, or its ledger account code."
        )
        parser.add_argument("--format", choices=["csv", "ofx"], dest="file_format")
        parser.add_argument(
            "--layout",
            help="The CSV layout's name (paid-in-out, amount, or one a manager defined).",
        )
        parser.add_argument(
            "--as-user",
            default="",
            help=(
                "The fund officer or manager the import is recorded against "
                "(default: the first manager)."
            ),
        )

    def handle(self, *args, file: Path, account: str, file_format, layout, as_user, **options):
        bank_account = BankAccount.objects.filter(
            Q(code=account) | Q(ledger_account__code=account)
        ).first()
        if bank_account is None:
            raise CommandError(f"No bank account {account!r}.")
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        attempt = partial(
            statement_import,
            actor=self._actor(as_user),
            bank_account=bank_account,
            content=content,
            file_name=file.name,
            file_format=file_format,
        )
        try:
            result = self._import(attempt, layout)
        except StatementRefused as exc:
            raise CommandError(f"{file.name} refused, nothing imported. {exc}") from None
        except BankingError as exc:
            raise CommandError(str(exc)) from None
        statement = result.statement
        self.stdout.write(
            f"{file.name}: {statement.lines_in_file} lines, {result.added} new, "
            f"{result.already_held} already held, {result.auto_matched} matched automatically."
        )
        for note in result.left_unmatched_notes():
            self.stdout.write(self.style.WARNING(note))
        if statement.gap is not None:
            self.stdout.write(
                self.style.WARNING(
                    "Balance gap: the new lines open at "
                    f"{format_gbp(statement.gap + statement.previous_closing)}"
                    f" but the last closing balance was {format_gbp(statement.previous_closing)}"
                    f" (a difference of {format_gbp(statement.gap)}). Import the missing statement."
                )
            )

    @staticmethod
    def _import(attempt, layout: str | None):
        """Read the file as the app recognises it (OFX, or a built-in CSV heading) and, when
        that fails and a layout a manager defined is named, with that layout. A scheduled
        import names one layout for every file dropped in its folder, and the bank's own
        files of another shape must still import. A refusal names both attempts."""
        if not layout or not CsvLayout.objects.filter(name=layout).exists():
            return attempt(layout=layout)
        try:
            return attempt(layout=None)
        except StatementRefused as unrecognised:
            try:
                return attempt(layout=layout)
            except StatementRefused as with_layout:
                raise StatementRefused(
                    with_layout.line,
                    f"{with_layout.reason} (with the layout {layout!r}; read without a layout, "
                    f"line {unrecognised.line}: {unrecognised.reason})",
                ) from None

    def _actor(self, username: str):
        User = get_user_model()
        users = User.objects.filter(
            groups__name__in=[r.value for r in HANDLER_ROLES], is_active=True
        )
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"{username!r} is not an active fund officer or manager.")
            return user
        user = (
            users.filter(groups__name="Fund manager").order_by("pk").first()
            or users.order_by("pk").first()
        )
        if user is None:
            raise CommandError(
                "No fund officer or manager to record the import against: give --as-user."
            )
        return user
