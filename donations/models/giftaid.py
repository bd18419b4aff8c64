"""Gift Aid in the ledger: the gifts in each claim, overclaims, HMRC's repayments, GASDS.

* ``GiftAidClaimLine`` is one gift in a claim, with the amount kept when it was claimed and
  the tax claimed on it (25 % of that amount, to the penny).
* ``GiftAidAdjustment`` is tax claimed on a gift that was later refunded or lost in a
  dispute: owed back to HMRC until the next claim deducts it (the claim form's adjustment
  box). A refund that later failed gives the tax back by an adjustment the other way.
* ``GiftAidRepayment`` is HMRC's payment of a claim, with any shortfall or surplus and why.
* ``GasdsClaim`` is a Gift Aid Small Donations Scheme claim for one tax year.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from fund.models import money_field

__all__ = [
    "GIFT_AID_HIGHER_RATE",
    "GIFT_AID_INTRO",
    "GIFT_AID_NOTES",
    "GasdsClaim",
    "GiftAidAdjustment",
    "GiftAidClaimLine",
    "GiftAidRepayment",
    "GiftAidScheduleTemplate",
]

# HMRC's model declaration (gov.uk "Gift Aid declarations: model forms"), around the
# statement itself (``GIFT_AID_STATEMENT``): what Gift Aid is, what to tell the charity,
# and what a higher-rate taxpayer may claim. Shown on the donation page and the receipt.
GIFT_AID_INTRO = (
    "Boost your donation by 25p of Gift Aid for every £1 you donate. Gift Aid is reclaimed "
    "by the charity from the tax you pay for the current tax year. Your address is needed "
    "to identify you as a current UK taxpayer."
)
GIFT_AID_NOTES = (
    "want to cancel this declaration",
    "change your name or home address",
    "no longer pay sufficient tax on your income and/or capital gains",
)
GIFT_AID_HIGHER_RATE = (
    "If you pay Income Tax at the higher or additional rate and want to receive the "
    "additional tax relief due to you, you must include all your Gift Aid donations on your "
    "Self-Assessment tax return or ask HM Revenue and Customs to adjust your tax code."
)


class GiftAidClaimLine(models.Model):
    """One gift in a claim: a payment is claimed once, on the amount kept at the time."""

    claim = models.ForeignKey(
        "donations.GiftAidClaim", on_delete=models.PROTECT, related_name="lines"
    )
    payment = models.OneToOneField(
        "donations.OnlinePayment", on_delete=models.PROTECT, related_name="gift_aid_line"
    )
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+")
    paid_on = models.DateField()
    amount = money_field(help_text="The donation kept (less any refund) when claimed.")
    tax = money_field(help_text="25 % of the amount, to the penny.")

    class Meta:
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="donations_giftaidclaimline_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(tax__gte=0), name="donations_giftaidclaimline_tax_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Gift Aid on payment {self.payment_id} in claim {self.claim_id}"


class GiftAidAdjustment(models.Model):
    """Tax overclaimed on a claimed gift (positive) or given back (negative), posted."""

    line = models.ForeignKey(GiftAidClaimLine, on_delete=models.PROTECT, related_name="adjustments")
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+")
    amount = money_field()
    reason = models.CharField(max_length=200)
    entry = models.OneToOneField("fund.Entry", on_delete=models.PROTECT, related_name="+")
    deducted_in = models.ForeignKey(
        "donations.GiftAidClaim",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adjustments_deducted",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0), name="donations_giftaidadjustment_amount_not_zero"
            ),
        ]

    def __str__(self) -> str:
        return f"Gift Aid adjustment {self.pk}"


class GiftAidRepayment(models.Model):
    """HMRC's payment of one claim; a difference from the claim needs a reason."""

    claim = models.OneToOneField(
        "donations.GiftAidClaim", on_delete=models.PROTECT, related_name="repayment"
    )
    hmrc_reference = models.CharField("HMRC reference", max_length=40)
    received_on = models.DateField()
    amount = money_field()
    expected = money_field(help_text="What the claim asked for, less its adjustment box.")
    reason = models.CharField(max_length=300, blank=True)
    # Empty only when the claim asked for nothing and HMRC paid nothing.
    entry = models.OneToOneField(
        "fund.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="donations_giftaidrepayment_amount_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount=F("expected")) | ~Q(reason=""),
                name="donations_giftaidrepayment_difference_explained",
            ),
            models.CheckConstraint(
                condition=~Q(hmrc_reference=""), name="donations_giftaidrepayment_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"HMRC repayment {self.hmrc_reference}"

    @property
    def difference(self):
        """Positive: HMRC paid more than claimed; negative: a shortfall."""
        return self.amount - self.expected

    @property
    def shortfall(self):
        return self.expected - self.amount


class GasdsClaim(models.Model):
    """A GASDS top-up claimed for one tax year, and HMRC's payment of it."""

    tax_year_start = models.DateField(unique=True)
    hmrc_reference = models.CharField("HMRC reference", max_length=40)
    claimed_on = models.DateField()
    small_donations = money_field(help_text="The small donations claimed on (after limits).")
    top_up = money_field()
    entry = models.OneToOneField("fund.Entry", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paid_on = models.DateField(null=True, blank=True)
    paid_amount = money_field(null=True, blank=True)
    payment_reason = models.CharField(max_length=300, blank=True)
    payment_entry = models.OneToOneField(
        "fund.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-tax_year_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(top_up__gt=0), name="donations_gasdsclaim_top_up_positive"
            ),
            models.CheckConstraint(
                condition=~Q(hmrc_reference=""), name="donations_gasdsclaim_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"GASDS claim {self.tax_year_start:%Y}"


class GiftAidScheduleTemplate(models.Model):
    """HMRC's Gift Aid schedule spreadsheet (ODS) as a manager uploaded it; the newest is used.

    Schedules are this file filled in place (donations/schedule_template.py). Where its
    headings were found is kept so staff can see it was recognised.
    """

    content = models.BinaryField()
    filename = models.CharField(max_length=200)
    sheet = models.CharField(max_length=200, help_text="The sheet holding HMRC's headings.")
    header_row = models.PositiveIntegerField(help_text="The headings' row, counting from 1.")
    first_column = models.CharField(max_length=3, help_text="The column of 'Title', e.g. B.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.filename
