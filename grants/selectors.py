"""Reads of grants that are more than a one-line queryset."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from statistics import median

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from grants.models import Client, Grant
from grants.services import AWAITING_DECISION, COMMITTED, agency_of
from people.access import has_role
from people.roles import STAFF_ROLES

S = Grant.Status
OPEN_FOR_QUEUE = [S.SUBMITTED, S.SECOND_APPROVAL, S.INFO_REQUESTED]
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


def clients_with_totals(user) -> QuerySet[Client]:
    """The clients a user may see, each with its request count and 12-month committed total."""
    since = timezone.now() - timedelta(days=365)
    return (
        clients_visible_to(user)
        .select_related("agency", "key_worker")
        .annotate(
            request_count=Count("grants", filter=~Q(grants__status=S.DRAFT)),
            committed=Sum(
                "grants__amount",
                filter=Q(grants__status__in=COMMITTED, grants__approved_at__gte=since),
            ),
        )
        .order_by("agency__name", "reference")
    )


def decision_queue(
    *, status: str = "", agency_id: str = "", category_id: str = ""
) -> QuerySet[Grant]:
    """Requests waiting on the fund: urgent first, then the longest waiting."""
    grants = Grant.objects.select_related("agency", "client", "category", "fund")
    grants = grants.filter(status=status) if status else grants.filter(status__in=OPEN_FOR_QUEUE)
    if agency_id:
        grants = grants.filter(agency_id=agency_id)
    if category_id:
        grants = grants.filter(category_id=category_id)
    return grants.annotate(
        urgent_first=Case(
            When(urgency=Grant.Urgency.TODAY, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("urgent_first", "submitted_at", "created_at", "pk")


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
    if grant.submitted_at is None:
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
        .order_by("paid_at")
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
        .order_by("paid_at")
    )


@dataclass(frozen=True)
class SpeedFigures:
    waiting: int
    median_hours_to_decision: Decimal | None
    median_hours_to_payment: Decimal | None
    decided_count: int
    paid_count: int


def _hours(delta: timedelta) -> Decimal:
    return Decimal(int(delta.total_seconds())) / 3600


def _median(values: list[Decimal]) -> Decimal | None:
    return median(values).quantize(Decimal("0.1")) if values else None


def speed_figures(now=None) -> SpeedFigures:
    """Requests waiting, and median hours to decision and to payment over 30 days."""
    now = now or timezone.now()
    since = now - timedelta(days=30)
    decided = [
        _hours(decided_at - submitted_at)
        for submitted_at, decided_at in Grant.objects.filter(
            decided_at__gte=since, submitted_at__isnull=False
        ).values_list("submitted_at", "decided_at")
    ]
    paid = [
        _hours(paid_at - approved_at)
        for approved_at, paid_at in Grant.objects.filter(
            paid_at__gte=since, approved_at__isnull=False
        ).values_list("approved_at", "paid_at")
    ]
    return SpeedFigures(
        waiting=Grant.objects.filter(status__in=[S.SUBMITTED, S.SECOND_APPROVAL]).count(),
        median_hours_to_decision=_median(decided),
        median_hours_to_payment=_median(paid),
        decided_count=len(decided),
        paid_count=len(paid),
    )
