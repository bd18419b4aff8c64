"""Reads of grants that are more than a one-line queryset."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from grants.models import QUEUE_RANK_NOT_QUEUED, QUEUED_STATUSES, Client, Grant, GrantEvent
from grants.services.checks import AWAITING_DECISION, COMMITTED, agency_of
from grants.waits import WaitFigures, wait_figures
from people.access import has_role
from people.roles import STAFF_ROLES

S = Grant.Status
OPEN_FOR_QUEUE = list(QUEUED_STATUSES)
RECEIPT_DUE_DAYS = 14
OUTCOME_DUE_DAYS = 28


def sees_all_grants(user) -> bool:
    return has_role(user, *STAFF_ROLES)


def grants_visible_to(user) -> QuerySet[Grant]:
    """Staff see every request; a key worker sees only their own agency's; others none."""
    grants = Grant.objects.select_related("agency", "client", "category", "fund", "requester")
    if sees_all_grants(user):
        return grants
    agency = agency_of(user)
    if agency is None:
        return grants.none()
    return grants.filter(agency=agency)


def clients_visible_to(user) -> QuerySet[Client]:
    if sees_all_grants(user):
        return Client.objects.select_related("agency")
    agency = agency_of(user)
    return Client.objects.filter(agency=agency) if agency else Client.objects.none()


def clients_listed(user) -> QuerySet[Client]:
    """The clients a user may see, in the order the clients page lists them, without their
    totals: the page is cut first and only its clients totalled (``with_grant_totals``),
    so a page costs the same whether an agency has 30 clients or 30,000."""
    return (
        clients_visible_to(user)
        .select_related("agency")
        .order_by("agency__name", "reference", "pk")
    )


def with_grant_totals(clients) -> list[Client]:
    """The given clients (one page of them) with ``request_count`` (every request but
    drafts) and ``committed`` (grants approved in the last 365 days, or ``None``): one
    grouped query over these clients' requests only, in the page's order."""
    clients = list(clients)
    since = timezone.now() - timedelta(days=365)
    totals = {
        row["client_id"]: row
        for row in Grant.objects.filter(client__in=[c.pk for c in clients])
        .values("client_id")
        .annotate(
            request_count=Count("pk", filter=~Q(status=S.DRAFT)),
            committed=Sum("amount", filter=Q(status__in=COMMITTED, approved_at__gte=since)),
        )
        .order_by()
    }
    for client in clients:
        row = totals.get(client.pk, {})
        client.request_count = row.get("request_count", 0)
        client.committed = row.get("committed")
    return clients


def decision_queue(
    *, status: str = "", agency_id: str = "", category_id: str = ""
) -> QuerySet[Grant]:
    """Requests waiting on the fund: urgent first, then the longest waiting."""
    # The stored sort key (``Grant.queue_rank``, set on every save) both picks the open
    # requests and orders them, so the index on (queue_rank, submitted_at) serves the page.
    grants = Grant.objects.select_related("agency", "client", "category", "fund")
    if status:
        grants = grants.filter(status=status)
    else:
        grants = grants.filter(queue_rank__lt=QUEUE_RANK_NOT_QUEUED)
    if agency_id:
        grants = grants.filter(agency_id=agency_id)
    if category_id:
        grants = grants.filter(category_id=category_id)
    return grants.order_by("queue_rank", "submitted_at", "created_at", "pk")


@dataclass(frozen=True)
class Age:
    days: int
    colour: str  # "" (under 2 days), "yellow" (2 days or more), "red" (5 days or more)

    @property
    def label(self) -> str:
        if self.days == 0:
            return "Today"
        return "1 day" if self.days == 1 else f"{self.days} days"


def age_of(grant: Grant, now=None) -> Age | None:
    """How long a request has waited since it was first submitted."""
    if grant.submitted_at is None or grant.status not in OPEN_FOR_QUEUE:
        # Only a request still open carries a waiting tag.
        return None
    now = now or timezone.now()
    end = grant.decided_at if grant.decided_at and grant.status not in AWAITING_DECISION else now
    days = max((end - grant.submitted_at).days, 0)
    colour = "red" if days >= 5 else "yellow" if days >= 2 else ""
    return Age(days=days, colour=colour)


def missing_receipts(now=None) -> QuerySet[Grant]:
    now = now or timezone.now()
    return (
        Grant.objects.select_related("agency", "client", "category", "payout")
        .filter(status=S.PAID, paid_at__lte=now - timedelta(days=RECEIPT_DUE_DAYS))
        .order_by("paid_at", "pk")  # one order, so pages neither repeat nor skip a grant
    )


def outcomes_due(now=None) -> QuerySet[Grant]:
    now = now or timezone.now()
    return (
        Grant.objects.select_related("agency", "client", "requester")
        .filter(
            status__in=[S.PAID, S.RECEIPT_RECEIVED, S.CLOSED],
            paid_at__lte=now - timedelta(days=OUTCOME_DUE_DAYS),
            outcome__isnull=True,
        )
        .order_by("paid_at", "pk")
    )


@dataclass(frozen=True)
class SpeedFigures:
    waiting: int
    median_hours_to_decision: Decimal | None
    median_hours_to_payment: Decimal | None
    decided_count: int
    paid_count: int


def speed_figures(now=None) -> SpeedFigures:
    """Requests waiting, and median hours to decision (from submission) and to payment
    (from approval) over 30 days, worked out by the database."""
    now = now or timezone.now()
    since = now - timedelta(days=30)
    none = WaitFigures(count=0, median=None, p90=None)
    decided = wait_figures(
        Grant.objects.filter(decided_at__gte=since, submitted_at__isnull=False), "decided_at"
    ).get(None, none)
    paid = wait_figures(
        Grant.objects.filter(paid_at__gte=since, approved_at__isnull=False),
        "paid_at",
        start_field="approved_at",
    ).get(None, none)
    return SpeedFigures(
        # The same requests the decision queue lists by default.
        waiting=Grant.objects.filter(status__in=OPEN_FOR_QUEUE).count(),
        median_hours_to_decision=decided.median,
        median_hours_to_payment=paid.median,
        decided_count=decided.count,
        paid_count=paid.count,
    )


# --- the promise: a decision within DECISION_PROMISE_HOURS of submission -----------------


def promise_hours() -> int:
    return settings.DECISION_PROMISE_HOURS


def _hours_label(hours: int) -> str:
    if hours < 1:
        return "under an hour"
    return "1 hour" if hours == 1 else f"{hours} hours"


@dataclass(frozen=True)
class Promise:
    hours: int  # whole hours left, or overdue
    overdue: bool

    @property
    def label(self) -> str:
        return f"{_hours_label(self.hours)} {'overdue' if self.overdue else 'left'}"

    @property
    def colour(self) -> str:
        return "red" if self.overdue else "yellow" if self.hours < 12 else "green"


def promise_of(grant: Grant, now=None) -> Promise | None:
    """Time left to decide a request waiting on the fund, or how far past the promise it is.
    None for a request waiting on its key worker or already decided."""
    if grant.status not in AWAITING_DECISION or grant.submitted_at is None:
        return None
    now = now or timezone.now()
    left = grant.submitted_at + timedelta(hours=promise_hours()) - now
    seconds = left.total_seconds()
    return Promise(hours=int(abs(seconds) // 3600), overdue=seconds < 0)


def within_promise(submitted_at, decided_at) -> bool:
    return decided_at - submitted_at <= timedelta(hours=promise_hours())


@dataclass(frozen=True)
class MonthShare:
    month: date
    decided: int
    within: int

    @property
    def share(self) -> int | None:
        """Whole per cent decided within the promise (None when nothing was decided)."""
        if not self.decided:
            return None
        return int(
            (Decimal(self.within) * 100 / self.decided).quantize(Decimal("1"), ROUND_HALF_UP)
        )


def promise_share_by_month(first_month: date, last_month: date) -> list[MonthShare]:
    """Per calendar month (of the decision, UK time): requests decided, and how many within
    the promise, for every month from ``first_month`` to ``last_month``."""
    counts: dict[date, list[int]] = {}
    month = first_month.replace(day=1)
    while month <= last_month:
        counts[month] = [0, 0]
        month = (month + timedelta(days=32)).replace(day=1)
    months = list(counts)
    if not months:
        return []
    # Counted by the database, a row per month: the month of a decision is the first whose
    # end (UK midnight) is after it, and "within the promise" (``within_promise``) is
    # decided_at <= submitted_at + the promise.
    ends = [_local_midnight((m + timedelta(days=32)).replace(day=1)) for m in months]
    month_of = Case(
        *[When(decided_at__lt=end, then=Value(i)) for i, end in enumerate(ends)],
        output_field=IntegerField(),
    )
    promise = timedelta(hours=promise_hours())
    for index, decided, within in (
        Grant.objects.filter(
            submitted_at__isnull=False,
            decided_at__gte=_local_midnight(months[0]),
            decided_at__lt=ends[-1],
        )
        .annotate(month=month_of)
        .values("month")
        .annotate(
            decided=Count("pk"),
            within=Count("pk", filter=Q(decided_at__lte=F("submitted_at") + promise)),
        )
        .order_by()
        .values_list("month", "decided", "within")
    ):
        counts[months[index]] = [decided, within]
    return [MonthShare(m, decided, within) for m, (decided, within) in counts.items()]


def _local_midnight(day: date):
    return timezone.make_aware(datetime.combine(day, time.min))


def promise_share_last_12_months(today: date) -> list[MonthShare]:
    """The current month and the eleven before it."""
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
    return promise_share_by_month(first, today.replace(day=1))


DECISION_STATES = (S.APPROVED, S.DECLINED, S.SECOND_APPROVAL)


@dataclass(frozen=True)
class OfficerDecisions:
    name: str
    decisions: int
    within: int
    median_hours: Decimal | None


def decisions_by_officer(since) -> list[OfficerDecisions]:
    """Each officer's decisions (an approval, a first of two approvals, a decline) since
    ``since``: how many, how many within the promise of submission, the median hours."""
    # Counted and ranked by the database, a row per officer (45,000 decisions in 90 days
    # read one by one took 5 s at issue 15's scale).
    decisions = GrantEvent.objects.filter(at__gte=since, to_status__in=DECISION_STATES).exclude(
        grant__submitted_at=None
    )
    promise = timedelta(hours=promise_hours())
    figures = wait_figures(
        decisions,
        "at",
        start_field="grant__submitted_at",
        group=F("actor_id"),
        also={"within": Count("pk", filter=Q(at__lte=F("grant__submitted_at") + promise))},
    )
    names = {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model().objects.filter(pk__in=figures)
    }
    return [
        OfficerDecisions(
            name=names[actor_id],
            decisions=figures[actor_id].count,
            within=figures[actor_id].also["within"],
            median_hours=figures[actor_id].median,
        )
        # By name, and two officers of one name each in their own row, always in one order.
        for actor_id in sorted(figures, key=lambda actor_id: (names[actor_id], actor_id))
    ]


@dataclass(frozen=True)
class Waiting:
    grant: Grant
    on: str
    promise: Promise | None


def waiting_on_whom(now=None, grants=None) -> list[Waiting]:
    """Open requests waiting on someone, and on whom: ``grants`` (one page of
    ``decision_queue()``), or every open request."""
    rows = []
    if grants is None:
        grants = decision_queue().select_related("requester")
    grants = list(grants)
    approvers = dict(
        GrantEvent.objects.filter(
            grant__in=grants, grant__status=S.SECOND_APPROVAL, to_status=S.SECOND_APPROVAL
        ).values_list("grant_id", "actor__username")
    )
    for grant in grants:
        if grant.status == S.INFO_REQUESTED:
            on = f"Key worker {grant.requester.get_username()} ({grant.agency.name})"
        elif grant.status == S.SECOND_APPROVAL:
            on = f"A second approver (not {approvers.get(grant.pk, 'the first')})"
        else:
            on = "Any fund officer"
        rows.append(Waiting(grant, on, promise_of(grant, now)))
    return rows
