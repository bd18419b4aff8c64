from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from donations.exceptions import TapError, TapReportRefused
from donations.services.taps import tap_report_import
from donations.tap_report import LAYOUTS
from fund.money import format_gbp
from people.roles import HANDLER_ROLES, Role


class Command(BaseCommand):
    help = (
        "Import a card provider's contactless transaction report (CSV); taps already held "
        "are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--layout", required=True, help=f"The report's layout: {', '.join(LAYOUTS)}."
        )
        parser.add_argument(
            "--as-user",
            default="",
            help=(
                "The fund officer or manager the import is recorded against "
                "(default: the first manager)."
            ),
        )

    def handle(self, *args, file: Path, layout: str, as_user: str, **options):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        actor = self._actor(as_user)
        try:
            result = tap_report_import(
                actor=actor, content=content, file_name=file.name, layout=layout
            )
        except TapReportRefused as exc:
            raise CommandError(f"{file.name} refused, nothing imported. {exc}") from None
        except TapError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{file.name}: {result.taps_in_file} taps, {result.taps_added} new "
            f"({format_gbp(result.total_added)}, fees {format_gbp(result.fees_added)}), "
            f"{result.already_held} already held."
        )

    def _actor(self, username: str):
        users = get_user_model().objects.filter(
            groups__name__in=[r.value for r in HANDLER_ROLES], is_active=True
        )
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"{username!r} is not an active fund officer or manager.")
            return user
        user = (
            users.filter(groups__name=Role.FUND_MANAGER.value).order_by("pk").first()
            or users.order_by("pk").first()
        )
        if user is None:
            raise CommandError(
                "No fund officer or manager to record the import against: give --as-user."
            )
        return user
