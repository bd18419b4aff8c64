"""Domain errors raised by the donations services; views turn them into messages."""


class DonationsError(Exception):
    """Base class: the action was refused and nothing changed."""


# --- Cash: collection points, box collections and deposits --------------------------------


class CashError(DonationsError):
    """A cash action was refused and nothing changed."""


class InvalidTransition(CashError):
    def __init__(self, record, from_status: str, to_status: str):
        self.record = record
        self.from_status = from_status
        self.to_status = to_status
        super().__init__(
            f"{record} is {record.get_status_display().lower()}; "
            f"it cannot become {to_status.replace('_', ' ')}."
        )


class PointInactive(CashError):
    pass


class SealNotNew(CashError):
    pass


class AlreadyRecorded(CashError):
    """The same box emptying was submitted twice."""


class SealNotBroken(CashError):
    pass


class InvalidAmount(CashError):
    pass


class DenominationsDoNotAddUp(CashError):
    def __init__(self, amount, denominations_total):
        self.amount = amount
        self.denominations_total = denominations_total
        super().__init__(
            f"The notes and coins add up to {denominations_total}, "
            f"not the {amount} entered. Check the count."
        )


class SameOfficer(CashError):
    """The person who counted a box cannot also confirm or return that count."""


class CheckerCounted(CashError):
    """The person checking a deposit took part in counting one of its collections."""


class ReasonRequired(CashError):
    pass


class CollectionsNotBankable(CashError):
    pass


class NotAllowed(CashError):
    """The actor's role does not allow this action."""


# --- end of cash ---------------------------------------------------------------------------


# --- Online: donations through Stripe, refunds, payouts and Gift Aid -----------------------


class OnlineError(DonationsError):
    """An online-giving action was refused."""


class DonationAmountInvalid(OnlineError):
    pass


class NoFundForOnlineGifts(OnlineError):
    pass


class TooManyAttempts(OnlineError):
    """The same address started too many checkouts in a short time."""


class CheckoutUnavailable(OnlineError):
    """Stripe could not create a Checkout Session; the donor may try again."""


class InvalidDonationTransition(OnlineError):
    def __init__(self, donation, from_status: str, to_status: str):
        self.donation = donation
        self.from_status = from_status
        self.to_status = to_status
        super().__init__(f"{donation.reference} cannot go from {from_status} to {to_status}.")


class RefundInvalid(OnlineError):
    pass


class RefundFailed(OnlineError):
    """Stripe refused or could not be reached; nothing was refunded."""


class NothingToClaim(OnlineError):
    pass


class StripeEventFinal(OnlineError):
    """The event has already been processed (or ignored); there is nothing to retry."""


class GiftNotMonthly(OnlineError):
    """Only a monthly gift (a Stripe subscription) can be managed or cancelled."""


class GiftCancelFailed(OnlineError):
    """Stripe did not cancel the subscription."""


class StripeReconcileFailed(OnlineError):
    """The Stripe balance check could not run, or a finding could not be posted as asked."""


# --- end of online -------------------------------------------------------------------------


class GiftAidError(DonationsError):
    """A Gift Aid or GASDS action was refused."""


class GiftAidRepaymentInvalid(GiftAidError):
    """HMRC's repayment cannot be recorded as given (already recorded, no reason, ...)."""


class DeclarationInvalid(GiftAidError):
    """A Gift Aid declaration cannot be recorded or cancelled as asked."""


class GasdsClaimInvalid(GiftAidError):
    """A GASDS claim or its payment cannot be recorded as given."""


class ScheduleTemplateInvalid(GiftAidError):
    """The uploaded file is not HMRC's Gift Aid schedule template (ODS with its headings)."""


# --- Contributions from services and funders -----------------------------------------------


class ContributionError(DonationsError):
    """A pledge or a contribution received was refused and nothing changed."""


# --- Contactless: tap terminals, the provider's reports, payouts ---------------------------


class TapError(DonationsError):
    """A contactless action was refused and nothing changed."""


class TapReportRefused(TapError):
    """A transaction report that does not parse or does not fit: nothing from it is stored."""

    def __init__(self, line: int, reason: str):
        self.line = line
        self.reason = reason
        super().__init__(f"Line {line}: {reason}")
