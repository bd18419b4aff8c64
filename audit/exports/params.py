"""What every export takes (``ExportParams``: a date range and a fund) and what the
table exports share: the formats, the chunk size, the date filter."""

from dataclasses import dataclass
from datetime import date

from fund.models import Fund

CHUNK = 5_000

TABLE_FORMATS = ("csv", "xlsx", "ods")


@dataclass(frozen=True)
class ExportParams:
    date_from: date | None = None
    date_to: date | None = None
    fund: Fund | None = None

    def as_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "fund": self.fund.code if self.fund else None,
        }

    def describe(self) -> str:
        period = (
            f"{self.date_from.isoformat() if self.date_from else 'the start'} to "
            f"{self.date_to.isoformat() if self.date_to else 'today'}"
        )
        return f"{self.fund.name if self.fund else 'All funds'}, {period}"


def dated(rows, lookup: str, params: ExportParams):
    if params.date_from:
        rows = rows.filter(**{f"{lookup}__gte": params.date_from})
    if params.date_to:
        rows = rows.filter(**{f"{lookup}__lte": params.date_to})
    return rows
