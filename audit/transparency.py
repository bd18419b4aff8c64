"""The public transparency page's figures: what the fund raised, granted, and how fast.

Everything here is shown to anyone, without signing in, so it holds no personal data: no
names, no client references, no figure small enough to single someone out. Money comes
from the ledger; the figures are cached (Django's cache framework) because the page is
public and may be busy.
"""

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.utils import timezone
from djmoney.money import Money

from audit.dashboards.grant_counts import APPROVED_STATES, category_label
from audit.dashboards.small_numbers import SMALL_NUMBER, CategoryCount, merge_small_counts
from donations.models import CollectionPoint
from fund.models import Account, Balance
from fund.money import gbp
from fund.selectors import chain_head, movements_by_month
from grants.identifiers import find_identifiers
from grants.models import Grant, Outcome
from grants.selectors import promise_hours, promise_share_last_12_months
from grants.waits import wait_figures

CACHE_KEY = "audit:transparency:v2"
CACHE_SECONDS = 10 * 60
# Stale figures are kept this long for the requests that arrive while one recomputes.
KEEP_SECONDS = 24 * 60 * 60
LOCK_KEY = "audit:transparency:recomputing"
LOCK_SECONDS = 60
WAIT_SECONDS, WAIT_STEP = 5, 0.05
# Fewer grants than SMALL_NUMBER in a category could point to a person: they join "Other",
# and an "Other" this small is shown only as "fewer than 5" (audit.dashboards.small_numbers
# holds the rule, which the partner view follows too).
STORIES_SHOWN = 6

PUBLIC_INCOME = [
    "income:donations:boxes",
    "income:donations:contactless",
    "income:donations:online",
]
FUNDER_INCOME = ["income:contributions"]
# Gift Aid on declared gifts and the GASDS top-up on small cash gifts, shown together.
GIFT_AID_INCOME = ["income:gift-aid", "income:gasds"]
OTHER_CATEGORY = "expenses:grants:other"


def tax_year_bounds(today: date) -> tuple[date, date]:
    """The UK tax year holding ``today``: 6 April to the next 5 April."""
    start = date(today.year, 4, 6)
    if today < start:
        start = date(today.year - 1, 4, 6)
    return start, date(start.year + 1, 4, 5)


@dataclass(frozen=True)
class Given:
    public: Money
    funders: Money
    gift_aid: Money

    @property
    def total(self) -> Money:
        return self.public + self.funders + self.gift_aid


@dataclass(frozen=True)
class PublicPoint:
    """Where a collection box and its QR poster can be found: the host business only."""

    host_name: str
    address: str


@dataclass(frozen=True)
class Story:
    """An outcome the person agreed to share, with nothing that points back to them."""

    category: str
    barrier_removed: str
    text: str


@dataclass(frozen=True)
class TransparencyFigures:
    given_to_date: Given
    given_this_year: Given
    granted_to_date: Money
    granted_this_year: Money
    year_start: date
    year_end: date
    categories_to_date: list[CategoryCount]
    categories_this_year: list[CategoryCount]
    median_hours_to_decision: Decimal | None
    decisions_counted: int
    stories: list[Story]
    collection_points: list[PublicPoint]
    chain_sequence: int
    chain_hash: str
    computed_at: datetime
    promise_hours: int = 48
    promise_months: list = field(default_factory=list)


def _net_to_date(codes: list[str], *, credit_normal: bool) -> Decimal:
    totals = Balance.objects.filter(account__code__in=codes).aggregate(
        debit=Sum("debit_total"), credit=Sum("credit_total")
    )
    debit, credit = totals["debit"] or Decimal(0), totals["credit"] or Decimal(0)
    return credit - debit if credit_normal else debit - credit


def _net_between(accounts: list[Account], start: date, end: date, *, credit_normal: bool) -> Money:
    """The accounts' net movement over a date range, from the ledger's month totals."""
    net = Decimal(0)
    for debit, credit in movements_by_month(start, end, accounts=accounts).values():
        net += credit - debit if credit_normal else debit - credit
    return gbp(net)


def _income_between(codes: list[str], start: date, end: date) -> Money:
    return _net_between(
        list(Account.objects.filter(code__in=codes)), start, end, credit_normal=True
    )


def _granted_between(start: date, end: date) -> Money:
    # Grant category accounts are expenses (debit-normal): approvals debit them and a
    # withdrawn approval or returned underspend credits them back.
    return _net_between(
        list(Account.objects.filter(is_grant_category=True)), start, end, credit_normal=False
    )


def public_collection_points(today: date) -> list[PublicPoint]:
    """Active collection points, by host name: no contact details, no box or seal numbers."""
    points = (
        CollectionPoint.objects.filter(is_active=True, opened_on__lte=today)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=today))
        .order_by("host_name")
    )
    return [PublicPoint(host_name=p.host_name, address=p.address) for p in points]


def grants_by_category(start: date | None = None, end: date | None = None) -> list[CategoryCount]:
    """Grants approved (and not since withdrawn) per category, largest first; categories
    with fewer than ``SMALL_NUMBER`` grants are merged into a last "Other" row."""
    grants = Grant.objects.filter(status__in=APPROVED_STATES, approved_at__isnull=False)
    # Local days as moments (UK midnight), compared as they are stored: no conversion of
    # every row's time to a date.
    if start is not None:
        grants = grants.filter(approved_at__gte=_uk_midnight(start))
    if end is not None:
        grants = grants.filter(approved_at__lt=_uk_midnight(end + timedelta(days=1)))
    counts = dict(
        grants.values("category_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("category_id", "n")
    )
    # Every grant category, and any other account a grant names: one query, always.
    names = dict(
        Account.objects.filter(Q(is_grant_category=True) | Q(pk__in=counts)).values_list(
            "pk", "name"
        )
    )
    by_label: dict[str, int] = defaultdict(int)
    for pk, n in counts.items():
        by_label[category_label(names[pk])] += n
    # The "Grants: other" category reads "Other", so it always joins the Other row.
    return merge_small_counts(by_label.items())


def _uk_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def typical_hours_to_decision(now: datetime) -> tuple[Decimal | None, int]:
    """The median hours from submission to decision over the last twelve months, and how
    many decisions that covers; no figure from fewer than ``SMALL_NUMBER`` decisions."""
    rows = Grant.objects.filter(
        submitted_at__isnull=False, decided_at__gte=now - timedelta(days=365)
    )
    # The median from the one or two middle rows the database picks out, not a year of rows.
    figures = wait_figures(rows, "decided_at", min_count=SMALL_NUMBER).get(None)
    if figures is None:
        return None, 0
    return figures.median, figures.count


def shareable_stories(shown_categories: set[str], limit: int = STORIES_SHOWN) -> list[Story]:
    """The latest outcomes whose person consented to sharing, with a note free of anything
    that identifies: no obvious identifier (the same check the grants forms use), and
    neither the client's reference nor the agency's name. A story names its category only
    when that category is big enough to be shown on its own (``shown_categories``)."""
    stories = []
    outcomes = (
        Outcome.objects.filter(consent_to_share=True)
        .exclude(note="")
        .select_related("grant__category", "grant__client", "grant__agency")
        .order_by("-recorded_at", "-pk")
    )
    for outcome in outcomes:
        note = outcome.note.strip()
        lowered = note.lower()
        if find_identifiers(note):
            continue
        if outcome.grant.client.reference.lower() in lowered:
            continue
        if outcome.grant.agency.name.lower() in lowered:
            continue
        category = category_label(outcome.grant.category.name)
        stories.append(
            Story(
                category=category if category in shown_categories else "",
                barrier_removed=outcome.get_barrier_removed_display(),
                text=note,
            )
        )
        if len(stories) == limit:
            break
    return stories


def transparency_figures(now: datetime | None = None) -> TransparencyFigures:
    """Compute every figure on the page, uncached."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start, end = tax_year_bounds(today)
    grant_codes = list(
        Account.objects.filter(is_grant_category=True).values_list("code", flat=True)
    )
    head = chain_head()
    hours, decisions = typical_hours_to_decision(now)
    to_date = grants_by_category()
    return TransparencyFigures(
        given_to_date=Given(
            public=gbp(_net_to_date(PUBLIC_INCOME, credit_normal=True)),
            funders=gbp(_net_to_date(FUNDER_INCOME, credit_normal=True)),
            gift_aid=gbp(_net_to_date(GIFT_AID_INCOME, credit_normal=True)),
        ),
        given_this_year=Given(
            public=_income_between(PUBLIC_INCOME, start, end),
            funders=_income_between(FUNDER_INCOME, start, end),
            gift_aid=_income_between(GIFT_AID_INCOME, start, end),
        ),
        granted_to_date=gbp(_net_to_date(grant_codes, credit_normal=False)),
        granted_this_year=_granted_between(start, end),
        year_start=start,
        year_end=end,
        categories_to_date=to_date,
        categories_this_year=grants_by_category(start, end),
        median_hours_to_decision=hours,
        decisions_counted=decisions,
        stories=shareable_stories({c.label for c in to_date if c.label != "Other"}),
        collection_points=public_collection_points(today),
        chain_sequence=head.sequence,
        chain_hash=head.hash,
        computed_at=now,
        promise_hours=promise_hours(),
        promise_months=promise_share_last_12_months(today),
    )


def cached_transparency_figures(*, clock=time.time) -> TransparencyFigures:
    """The figures as last computed, recomputed at most every ``CACHE_SECONDS``, and then
    by one worker only.

    The cache holds the figures with the moment they go stale, and keeps them well past
    it. A request after that moment that wins the recompute lock (``cache.add``, atomic
    on every backend) recomputes them; every other request meanwhile is served the stale
    figures rather than computing them too. Only when nothing is cached at all (the first
    request, or after a clear) does a request without the lock wait briefly for the
    winner, and compute them itself if it does not finish in time.
    """
    stored = cache.get(CACHE_KEY)
    if stored is not None:
        figures, fresh_until = stored
        if clock() < fresh_until or not cache.add(LOCK_KEY, 1, LOCK_SECONDS):
            return figures
        return _recompute(clock)
    if cache.add(LOCK_KEY, 1, LOCK_SECONDS):
        return _recompute(clock)
    for _ in range(int(WAIT_SECONDS / WAIT_STEP)):
        time.sleep(WAIT_STEP)
        stored = cache.get(CACHE_KEY)
        if stored is not None:
            return stored[0]
    return transparency_figures()


def _recompute(clock) -> TransparencyFigures:
    """Compute and store the figures; the caller holds the recompute lock."""
    try:
        figures = transparency_figures()
        cache.set(CACHE_KEY, (figures, clock() + CACHE_SECONDS), KEEP_SECONDS)
    finally:
        cache.delete(LOCK_KEY)
    return figures
