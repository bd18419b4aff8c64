"""The dashboard's median and 90th percentile read only a few ranked waits from the
database; worked out from those ranks they equal ``statistics`` on the whole list."""

import random
from decimal import Decimal
from statistics import median, quantiles

from grants.waits import _median_of_ranks, _median_ranks, _p90_of_ranks, _p90_ranks

TENTH = Decimal("0.1")


def test_the_ranks_read_are_at_most_four_and_give_the_figures_of_the_whole_list():
    rng = random.Random(15)
    for n in range(1, 120):
        for _ in range(5):
            # Whole seconds in hours, as the dashboard measures a wait.
            values = sorted(Decimal(rng.randrange(0, 400_000)) / 3600 for _ in range(n))
            ranks = _median_ranks(n) | _p90_ranks(n)
            assert len(ranks) <= 4 and all(0 <= r < n for r in ranks)
            at = {r: values[r] for r in ranks}  # only what the database returns
            assert _median_of_ranks(n, at) == median(values).quantize(TENTH)
            expected = values[0] if n == 1 else quantiles(values, n=10, method="inclusive")[8]
            assert _p90_of_ranks(n, at) == expected.quantize(TENTH)


def test_worked_figures_from_the_ranks():
    hours = [Decimal(h) for h in (2, 4, 6, 8, 10)]
    at = {r: hours[r] for r in _median_ranks(5) | _p90_ranks(5)}
    assert _median_ranks(5) == {2}
    assert _p90_ranks(5) == {3, 4}
    assert _median_of_ranks(5, at) == Decimal("6.0")
    assert _p90_of_ranks(5, at) == Decimal("9.2")  # 8 + 0.6 of the way to 10
    assert _median_ranks(2) == {0, 1}
    assert _p90_of_ranks(2, {0: Decimal(3), 1: Decimal(24)}) == Decimal("21.9")
    assert _median_of_ranks(0, {}) is None and _p90_of_ranks(0, {}) is None
    assert _p90_of_ranks(1, {0: Decimal("7.25")}) == Decimal("7.2")  # half to even
