"""Grow a seeded demo database to the scale of issue 15, as the services would have written it.

At ``scale=1``: 20,000 collections, 200,000 online gifts, 50,000 grant requests and
1,000,000 transfers in all. Collections, deposits and grant requests go through the real
services (``collection_record``/``_confirm``/``_return``, ``deposit_record``/``_check``,
``grant_create``, then the grant demo's own ``_bring_to`` for approvals and payouts), in
transactions of a few hundred operations so the build is not bound by one flush per
commit. Online gifts are written in bulk (donation, payment, their history rows and the
status event) with their gift and fee entries posted by ``fund.services.posting.entry_post_many``,
with the memo, source and idempotency key ``_payment_record`` gives them. The rest of the
transfers come from ``bench.loader`` (the rows, balances, month totals and chain the
posting service would write). ``verify_ledger`` is the caller's to run.

Needs a database already seeded by ``manage.py seed_demo`` (its users, funds, agencies).
"""

import json
import random
import subprocess
import sys
import uuid
from collections import Counter
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import OperationalError, transaction
from django.utils import timezone
from djmoney.money import Money
from simple_history.utils import bulk_create_with_history

from bench.loader import load
from donations.models.cash import Collection
from donations.models.online import (
    OnlineDonation,
    OnlineDonationEvent,
    OnlinePayment,
    StripePayout,
)
from donations.services.cash import (
    collection_confirm,
    collection_point_create,
    collection_record,
    collection_return,
    deposit_check,
    deposit_record,
)
from donations.services.stripe_api import system_actor
from fund.models import Account, CategoryCap, Fund, FundRules, Transfer
from fund.services.posting import Leg, Posting, entry_post_many
from grants.demo import _bring_to
from grants.models import Grant
from grants.services.requests import LineItemData, default_fund, grant_create

FULL = {"collections": 20_000, "online": 200_000, "grants": 50_000, "transfers": 1_000_000}
CHUNK = 200  # service operations per transaction
DAYS = 700  # collection points opened about two years before today


def _card_fee_pence(pence: Decimal) -> Decimal:
    """Stripe's UK card fee: 1.5% + 20p, rounded to the penny."""
    return (pence * Decimal("0.015") + 20).quantize(Decimal(1), ROUND_HALF_UP)


def targets(scale: float) -> dict[str, int]:
    return {name: max(1, round(count * scale)) for name, count in FULL.items()}


def _users():
    names = ["officer", "officer2", "manager", "keyworker", "keyworker2"]
    users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    missing = set(names) - set(users)
    if missing:
        raise SystemExit(f"Seed the demo first (manage.py seed_demo): no {sorted(missing)}.")
    return users


def build(*, scale: float, seed: int = 2026, grant_workers: int = 2, log=print) -> dict[str, int]:
    rng = random.Random(seed)
    want = targets(scale)
    users = _users()
    today = timezone.localdate()
    funds = {"public": Fund.objects.get(code="public")}
    funds["rough-sleepers"] = Fund.objects.get(code="rough-sleepers-2026-27")
    # Online gifts and collections go to the public fund, and grants are paid from it: a
    # restricted fund's money and period would refuse most of 50,000 requests.
    paying = funds["public"]
    built = {}
    # Gifts and collections are dated in the public fund's open period (seed_demo closes
    # the months before last; a closed period refuses entries); the loader's transfers
    # spread over two years.
    # (A day's margin: a collection is dated an hour before its day's time of building.)
    days = max((today - paying.lock_date).days - 2, 0) if paying.lock_date else DAYS
    built["online"] = _online(want["online"], rng, paying, today, days, log)
    built["collections"] = _collections(want["collections"], rng, users, paying, days, log)
    if grant_workers > 1:
        built.update(_grants_in_parallel(want["grants"], scale, seed, grant_workers, log))
    else:
        built.update(grants(want["grants"], seed=seed, log=log))
        built["grants"] = Grant.objects.filter(client__reference__startswith="BX-").count()
    remaining = want["transfers"] - Transfer.objects.count()
    if remaining > 0:
        log(f"  loader: {remaining:,} more transfers")
        load(transfers=remaining, actor=users["manager"], funds=list(funds.values()), seed=seed)
    built["transfers"] = Transfer.objects.count()
    return built


def _amount(rng, low: int, high: int) -> Money:
    return Money(Decimal(rng.randrange(low, high)) / 100, "GBP")


def _online(count: int, rng, fund: Fund, today, days: int, log) -> int:
    """Paid online gifts: what ``_on_checkout_paid`` and ``_payment_record`` leave behind."""
    actor = system_actor()
    batch = 1000
    made = 0
    while made < count:
        size = min(batch, count - made)
        with transaction.atomic():
            donations, dates = [], []
            for n in range(made, made + size):
                frequency = "monthly" if rng.random() < 0.25 else "one-off"
                donations.append(
                    OnlineDonation(
                        attempt=uuid.UUID(int=rng.getrandbits(128)),
                        frequency=frequency,
                        amount=_amount(rng, 300, 10_000),
                        fund=fund,
                        status=OnlineDonation.Status.PAID,
                        stripe_session_id=f"cs_bench_{n}",
                        test_mode=True,
                    )
                )
                # Oldest first, so ids follow the dates as they would in real life.
                dates.append(today - timedelta(days=days - (n * days) // count))
            donations = bulk_create_with_history(donations, OnlineDonation, default_user=actor)
            if donations[0].pk is None:
                raise SystemExit("The bulk insert returned no ids: run on PostgreSQL.")
            payments = []
            for donation, day in zip(donations, dates, strict=True):
                pence = donation.amount.amount * 100
                payments.append(
                    OnlinePayment(
                        donation=donation,
                        fund=fund,
                        payment_intent_id=f"pi_bench_{donation.pk}",
                        charge_id=f"ch_bench_{donation.pk}",
                        balance_transaction_id=f"txn_bench_{donation.pk}",
                        amount=donation.amount,
                        fee=Money(_card_fee_pence(pence) / 100, "GBP"),
                        paid_on=day,
                        frequency=donation.frequency,
                    )
                )
            payments = bulk_create_with_history(payments, OnlinePayment, default_user=actor)
            OnlineDonationEvent.objects.bulk_create(
                OnlineDonationEvent(
                    donation=d,
                    actor=actor,
                    from_status=OnlineDonation.Status.CREATED,
                    to_status=OnlineDonation.Status.PAID,
                    note="Payment confirmed by Stripe",
                )
                for d in donations
            )
            postings = []
            for payment in payments:
                reference = payment.donation.reference
                source = f"donations.OnlinePayment:{payment.pk}"
                postings.append(
                    Posting(
                        effective_date=payment.paid_on,
                        memo=f"Online gift {reference}, payment {payment.pk}",
                        source=source,
                        legs=[
                            Leg(fund, "assets:stripe", "income:donations:online", payment.amount)
                        ],
                        idempotency_key=f"stripe:gift:{payment.payment_intent_id}",
                    )
                )
                postings.append(
                    Posting(
                        effective_date=payment.paid_on,
                        memo=f"Stripe fee on online gift {reference}, payment {payment.pk}",
                        source=source,
                        legs=[Leg(fund, "expenses:fees", "assets:stripe", payment.fee)],
                        idempotency_key=f"stripe:fee:{payment.balance_transaction_id}",
                    )
                )
            postings.append(_payout(payments, fund, today, actor))
            entry_post_many(actor=actor, postings=postings)
        made += size
        log(f"  online gifts: {made:,}/{count:,}")
    return made


def _payout(payments, fund: Fund, today, actor) -> Posting:
    """The batch's gifts less their fees paid out to the bank two days after the last, as
    ``on_payout_paid`` records a payout (its row, then one entry); grants are paid from
    the bank, so without payouts the online money would never be there to pay them."""
    net = sum((p.amount - p.fee for p in payments), Money(0, "GBP"))
    row = StripePayout(
        stripe_id=f"po_bench_{payments[0].pk}",
        amount=net,
        arrival_date=min(payments[-1].paid_on + timedelta(days=2), today),
        status=StripePayout.Status.PAID,
    )
    row._history_user = actor
    row.save()
    return Posting(
        effective_date=row.arrival_date,
        memo=f"Stripe payout {row.pk} to the bank",
        source=f"donations.StripePayout:{row.pk}",
        legs=[Leg(fund, "assets:bank", "assets:stripe", net)],
        idempotency_key=f"stripe:payout:{row.stripe_id}:paid",
    )


def _collections(count: int, rng, users, fund: Fund, days: int, log) -> int:
    """Boxes emptied over two years: most banked, some in transit, the newest awaiting."""
    officer, officer2, manager = users["officer"], users["officer2"], users["manager"]
    now = timezone.now()
    points = []
    with transaction.atomic():
        for n in range(max(3, count // 50)):
            points.append(
                collection_point_create(
                    actor=officer,
                    host_name=f"Bench host {n}",
                    address=f"{n} Bench Street, Doncaster",
                    box_number=f"Z{n:05d}",
                    seal=f"Z{n:05d}-0",
                    opened_on=(now - timedelta(days=DAYS + 30)).date(),
                    fund=fund,
                    contact_name="Duty manager",
                    public_code=f"ZB{n:05d}",
                )
            )
    banked_until = int(count * 0.80)
    confirmed_until = int(count * 0.93)
    returned_until = int(count * 0.95)
    done, to_bank = 0, []
    deposits = 0
    while done < count:
        with transaction.atomic():
            for n in range(done, min(done + CHUNK, count)):
                point = points[n % len(points)]
                point.refresh_from_db()
                emptied = now - timedelta(days=days - (n * days) // count, hours=1)
                collection = collection_record(
                    actor=officer,
                    point=point,
                    emptied_at=emptied,
                    seal_removed=point.current_seal,
                    seal_fitted=f"{point.box_number}-{n + 1}",
                    amount=_amount(rng, 500, 12_000),
                )
                if n < confirmed_until:
                    collection = collection_confirm(actor=officer2, collection=collection)
                elif n < returned_until:
                    collection_return(
                        actor=officer2, collection=collection, reason="The count is £1 out."
                    )
                if n < banked_until:
                    to_bank.append(collection)
                if len(to_bank) == 10 or (to_bank and n == banked_until - 1):
                    banked_on = timezone.localdate(to_bank[-1].emptied_at) + timedelta(days=1)
                    deposit = deposit_record(
                        actor=officer,
                        collections=to_bank,
                        paying_in_reference=f"PI-BENCH-{deposits:06d}",
                        banked_on=min(banked_on, timezone.localdate()),
                        amount_banked=Money(sum(c.amount.amount for c in to_bank), "GBP"),
                    )
                    deposit_check(actor=manager, deposit=deposit)
                    deposits += 1
                    to_bank = []
            done = min(done + CHUNK, count)
        log(f"  collections: {done:,}/{count:,}")
    return Collection.objects.filter(point__box_number__startswith="Z").count()


S = Grant.Status
# The states requests end in, as a share of all requests; the rest are paid.
GRANT_MIX = [
    (S.SUBMITTED, 0.03),
    (S.INFO_REQUESTED, 0.01),
    (S.APPROVED, 0.05),
    (S.DECLINED, 0.12),
    (S.WITHDRAWN, 0.04),
    (S.CANCELLED, 0.02),
]


def _grants_in_parallel(count: int, scale: float, seed: int, workers: int, log) -> dict:
    """Grant requests built by ``workers`` processes at once (``bench/scale.py grants``),
    each every ``workers``-th request, one transaction a request so none waits long on
    another's locks; each prints its figures as its last line (JSON)."""
    script = str(Path(__file__).resolve().parent / "scale.py")
    children = [
        subprocess.Popen(
            [sys.executable, script, "grants", "--scale", str(scale), "--seed", str(seed),
             "--part", f"{k}/{workers}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(workers)
    ]  # fmt: skip
    short = 0
    try:
        for child in children:
            last = ""
            for line in child.stdout:
                last = line
                if not line.startswith("{"):
                    log(line.rstrip())
            if child.wait() != 0:
                raise SystemExit("A grant builder failed (its output is above).")
            short += json.loads(last)["grants_left_submitted"]
    finally:
        for child in children:  # one failed: the others stop writing too
            if child.poll() is None:
                child.terminate()
                child.wait()
    return {
        "grants": Grant.objects.filter(client__reference__startswith="BX-").count(),
        "grants_left_submitted": short,
    }


def grant_states(count: int, seed: int) -> list:
    """The state each request ends in, the same list in every builder process."""
    states = []
    for state, share in GRANT_MIX:
        states += [state] * round(count * share)
    states += [S.PAID] * (count - len(states))
    random.Random(seed).shuffle(states)
    return states


def grants(count: int, *, part: int = 0, of: int = 1, seed: int = 2026, log=print) -> dict:
    """Requests ``part``, ``part + of``, ... of ``count``: created, submitted and brought
    to their state through the services, each in its own transaction. A refusal (a cap,
    the fund's limits) leaves the request submitted and is counted; a deadlock with the
    other builder is retried."""
    users = _users()
    fund = Fund.objects.get(code="public")
    categories = list(Account.objects.filter(code__startswith="expenses:grants:"))
    # Requests within the caps a key worker would see (the category's, the fund's per grant).
    request_fund = default_fund()
    per_grant = FundRules.objects.get(fund=request_fund).per_grant_cap.amount
    caps = {c.account_id: c.cap.amount for c in CategoryCap.objects.filter(fund=request_fund)}
    limit = {a.pk: int(min(caps.get(a.pk, per_grant), per_grant, 150) * 100) for a in categories}
    states = grant_states(count, seed)
    officer, officer2 = users["officer"], users["officer2"]
    short = 0
    refusals = Counter()
    mine = range(part, count, of)
    for done, n in enumerate(mine, start=1):
        kw = users["keyworker" if n % 2 == 0 else "keyworker2"]
        category = categories[n % len(categories)]
        top = limit[category.pk]
        # One generator per request: its amount is the same however many builders run.
        total = random.Random(f"{seed}:{n}").randrange(min(1_000, top), top + 1)
        parts = [total] if n % 2 or total < 200 else [total // 2, total - total // 2]
        items = [
            LineItemData(
                description=f"Item {i + 1}",
                amount=Money(Decimal(pence) / 100, "GBP"),
                supplier="Bench Supplies Ltd",
            )
            for i, pence in enumerate(parts)
        ]
        for attempt in range(5):
            try:
                with transaction.atomic():
                    refusal = _grant(n, states[n], category, items, (kw, officer, officer2), fund)
                break
            except OperationalError:  # a deadlock with the other builder: try again
                if attempt == 4:
                    raise
        if refusal:
            short += 1
            refusals[refusal] += 1
        if done % CHUNK == 0 or done == len(mine):
            log(f"  grant requests (builder {part + 1} of {of}): {done:,}/{len(mine):,}")
    for reason, times in refusals.most_common(5):
        log(f"  left submitted {times} times: {reason}")
    return {"grants_left_submitted": short}


def _grant(n, state, category, items, people, fund) -> str:
    kw, officer, officer2 = people
    grant = grant_create(
        actor=kw,
        client_reference=f"BX-{n:06d}",
        category=category,
        urgency="today" if n % 5 == 0 else "this_week",
        own_words="I want to get back to work and this is what is stopping me.",
        why_fund="No benefit or other service covers this in time.",
        line_items=items,
        submit=True,
    )
    try:
        with transaction.atomic():
            _bring_to(
                state,
                grant,
                kw=kw,
                officer=officer,
                officer2=officer2,
                fund=fund,
                today=timezone.localdate(),
            )
    except OperationalError:
        raise
    except Exception as error:  # a cap or the fund's limits: it stays submitted
        return f"{type(error).__name__}: {error}"[:160]
    return ""
