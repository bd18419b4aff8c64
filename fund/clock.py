"""The demo's clock: run services as if it were another moment.

Every service reads the time through ``django.utils.timezone.now`` (and ``localdate``,
which calls it); so do ``auto_now_add`` fields and the history records. ``clock_at`` makes
that one function read a chosen moment for the length of a block, so a demo can write a
year of history through the same services the pages use, each step at the time it would
have happened, without editing a row afterwards. Only ``seed_demo`` uses it: the
application never moves its own clock.
"""

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Inside the block, ``timezone.now()`` starts at ``moment`` and runs on in real time."""
    if timezone.is_naive(moment):
        raise ValueError("clock_at needs an aware datetime.")
    real_now = timezone.now
    started = time.monotonic()

    def now() -> datetime:
        return moment + timedelta(seconds=time.monotonic() - started)

    timezone.now = now
    try:
        yield
    finally:
        timezone.now = real_now


@dataclass(frozen=True)
class Step:
    """One thing that happened in the demo's year: what to run, and when."""

    at: datetime
    run: Callable[[], object]


def run_timeline(steps: Iterable[Step]) -> int:
    """Run every step in time order (steps at the same moment in the order given), each
    under ``clock_at`` its moment. A step in the future is refused: history only."""
    ordered = sorted(steps, key=lambda step: step.at)
    now = timezone.now()
    for step in ordered:
        if step.at > now:
            raise ValueError(f"A demo step at {step.at:%d %b %Y %H:%M} is in the future.")
        with clock_at(step.at):
            step.run()
    return len(ordered)
