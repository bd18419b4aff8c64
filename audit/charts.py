"""Bar charts drawn on the server: figures in, bar geometry out, no JavaScript.

A ``Chart`` is a table (rows by series) that also knows how to draw itself as a list of
horizontal bars, one row per label, stacked when the series add up to a whole (income by
channel) and side by side when they do not (median and 90th percentile hours). The
template draws each bar as a small SVG whose geometry comes from ``BarRow.segments``; the
table beneath it prints exactly the same figures, and the CSV carries them too.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from djmoney.money import Money

from fund.spreadsheets import csv_text

# GOV.UK Frontend palette colours, in an order where neighbours differ in lightness as well
# as hue. The table under every chart carries the same figures for anyone who cannot tell
# the colours apart.
PALETTE = [
    "#1d70b8",
    "#f47738",
    "#00703c",
    "#d53880",
    "#4c2c92",
    "#b58840",
    "#28a197",
    "#505a5f",
    "#912b88",
    "#85994b",
]

BAR_WIDTH = 1000  # the SVG's own coordinate width; it is scaled to the column


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str


@dataclass(frozen=True)
class Segment:
    series: Series
    value: Decimal
    x: int
    width: int
    y: int
    height: int


@dataclass
class BarRow:
    """One bar. A value whose index is in ``suppressed`` is withheld (None, no bar) and
    reads as the chart's ``suppressed_label``; a stacked row holding one has no total,
    since the total would give the withheld value away."""

    label: str
    values: list[Decimal | None]
    total: Decimal | None = None
    segments: list[Segment] = field(default_factory=list)
    suppressed: frozenset[int] = frozenset()


@dataclass
class Chart:
    """One chart's data: ``rows`` of ``values`` in the order of ``series``.

    ``unit`` is "money" (values are pounds), "hours" or "count"; ``stacked`` charts show a
    total column. ``None`` is a value that does not exist (no decisions that month), shown
    as a dash and left empty in the CSV.
    """

    slug: str
    title: str
    series: list[Series]
    rows: list[BarRow]
    unit: str = "money"
    stacked: bool = True
    row_heading: str = "Month"
    description: str = ""
    suppressed_label: str = ""

    def __post_init__(self) -> None:
        if self.stacked:
            for row in self.rows:
                row.total = (
                    None
                    if row.suppressed
                    else sum((v for v in row.values if v is not None), Decimal(0))
                )
        self._lay_out()

    @property
    def is_empty(self) -> bool:
        """Nothing to draw: every figure is missing, or (money and counts) zero. A wait of
        0.0 hours is a figure, so an hours chart is empty only when no figure exists."""
        if any(row.suppressed for row in self.rows):
            return False
        values = [v for row in self.rows for v in row.values if v is not None]
        if self.unit == "hours":
            return not values
        return not any(values)

    @property
    def column_totals(self) -> list[Decimal]:
        return [
            sum((row.values[i] or Decimal(0) for row in self.rows), Decimal(0))
            for i in range(len(self.series))
        ]

    @property
    def grand_total(self) -> Decimal:
        return sum(self.column_totals, Decimal(0))

    def _lay_out(self) -> None:
        """Scale every bar against the largest row (stacked) or the largest value."""
        if self.stacked:
            largest = max((_positive_sum(row.values) for row in self.rows), default=Decimal(0))
        else:
            largest = max(
                (v for row in self.rows for v in row.values if v is not None and v > 0),
                default=Decimal(0),
            )
        for row in self.rows:
            row.segments = []
            if largest <= 0:
                continue
            x = 0
            lanes = 1 if self.stacked else len(self.series)
            lane_height = 20 // lanes
            for index, (series, value) in enumerate(zip(self.series, row.values, strict=True)):
                if value is None or value <= 0:
                    continue
                width = max(int(value * BAR_WIDTH / largest), 1)
                if self.stacked:
                    row.segments.append(
                        Segment(series=series, value=value, x=x, width=width, y=0, height=20)
                    )
                    x += width
                else:
                    row.segments.append(
                        Segment(
                            series=series,
                            value=value,
                            x=0,
                            width=width,
                            y=index * lane_height,
                            height=lane_height,
                        )
                    )

    def as_csv(self) -> str:
        """The chart's figures as CSV: one row per bar, one column per series."""
        header = [self.row_heading] + [s.label for s in self.series]
        if self.stacked:
            header.append("Total")
        rows = []
        for row in self.rows:
            cells = [row.label] + [
                self.suppressed_label if i in row.suppressed else _csv_value(v, self.unit)
                for i, v in enumerate(row.values)
            ]
            if self.stacked:
                cells.append(_csv_value(row.total, self.unit))
            rows.append(cells)
        return csv_text(header, rows)


def _positive_sum(values: list[Decimal | None]) -> Decimal:
    return sum((v for v in values if v is not None and v > 0), Decimal(0))


def _csv_value(value: Decimal | None, unit: str) -> Decimal | None:
    """A figure stays a number (never text), so a negative one is not taken for a formula."""
    if value is None or unit != "money":
        return value
    return Decimal(value).quantize(Decimal("0.01"))


def colours(count: int) -> list[str]:
    return [PALETTE[i % len(PALETTE)] for i in range(count)]


def money_value(value: Money | Decimal) -> Decimal:
    return value.amount if isinstance(value, Money) else value
