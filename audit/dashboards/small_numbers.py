"""The small-numbers rule for every figure shown outside the fund's staff."""

from collections.abc import Iterable
from dataclasses import dataclass

# Fewer grants (or outcomes, or decisions) than this could point to a person. One rule for
# every figure shown outside the fund's staff: the public transparency page and the
# partner view.
SMALL_NUMBER = 5
SUPPRESSED = f"fewer than {SMALL_NUMBER}"
OTHER = "Other"


@dataclass(frozen=True)
class CategoryCount:
    label: str
    count: int

    @property
    def suppressed(self) -> bool:
        return self.count < SMALL_NUMBER


def merge_small_counts(
    counts: Iterable[tuple[str, int]], *, other_label: str = OTHER
) -> list[CategoryCount]:
    """Counts by label, largest first, with every count under ``SMALL_NUMBER`` (and one
    already labelled ``other_label``) merged into a last ``other_label`` row; an Other row
    this small is itself ``suppressed`` (shown only as "fewer than 5")."""
    shown, other = [], 0
    for label, count in counts:
        if count < SMALL_NUMBER or label == other_label:
            other += count
        else:
            shown.append(CategoryCount(label, count))
    shown.sort(key=lambda c: (-c.count, c.label))
    if other:
        shown.append(CategoryCount(other_label, other))
    return shown
