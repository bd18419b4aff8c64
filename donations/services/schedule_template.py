"""HMRC's Gift Aid schedule template: uploaded once by a manager, filled for each claim."""

from django.contrib.auth.models import AbstractBaseUser

from donations.exceptions import ScheduleTemplateInvalid
from donations.models.giftaid import GiftAidScheduleTemplate
from donations.schedule import ScheduleRow
from donations.schedule_template import TemplateNotRecognised, template_fill, template_layout

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def schedule_template_upload(
    *, actor: AbstractBaseUser, filename: str, content: bytes
) -> GiftAidScheduleTemplate:
    """Keep HMRC's template; refuses a file that is not an ODS with HMRC's headings."""
    if len(content) > MAX_TEMPLATE_BYTES:
        raise ScheduleTemplateInvalid("The file is over 5 MB; HMRC's template is far smaller.")
    try:
        layout = template_layout(content)
    except TemplateNotRecognised as error:
        raise ScheduleTemplateInvalid(str(error)) from error
    return GiftAidScheduleTemplate.objects.create(
        content=content,
        filename=filename[:200],
        sheet=layout.sheet[:200],
        header_row=layout.header_row + 1,
        first_column=_column_letters(layout.first_column),
        uploaded_by=actor,
    )


def schedule_template_current() -> GiftAidScheduleTemplate | None:
    return GiftAidScheduleTemplate.objects.first()


def schedule_template_filled(template: GiftAidScheduleTemplate, rows: list[ScheduleRow]) -> bytes:
    return template_fill(bytes(template.content), rows)
