"""The chart of accounts and the other reference rows the ledger cannot run without."""

CHART = [
    # code, name, type, liquid, is_grant_category
    ("assets:bank", "Bank", "asset", True, False),
    ("assets:stripe", "Stripe balance", "asset", True, False),
    ("assets:cash-in-transit", "Cash in transit", "asset", True, False),
    # Contactless gifts the card provider has taken and not yet paid into the bank (net of
    # its fees): cleared when its payout is matched on the bank statement.
    (
        "assets:card-provider",
        "Card provider: contactless taps to be paid out",
        "asset",
        True,
        False,
    ),
    ("assets:gift-aid-receivable", "Gift Aid receivable", "asset", False, False),
    ("assets:gasds-receivable", "GASDS receivable", "asset", False, False),
    ("liabilities:grants-payable", "Grants payable", "liability", False, False),
    # Tax claimed on gifts later refunded or lost in a dispute: owed to HMRC until the next
    # Gift Aid claim deducts it in its adjustment box.
    ("liabilities:gift-aid-overclaimed", "Gift Aid overclaimed", "liability", False, False),
    # Money the bank received that nobody can yet explain: held here, not spendable, until
    # it is cleared to its real account (banking.services.suspense.suspense_clear).
    ("liabilities:suspense", "Suspense: unknown receipts", "liability", False, False),
    ("income:donations:boxes", "Donations: collection boxes", "income", False, False),
    ("income:donations:online", "Donations: online", "income", False, False),
    ("income:donations:contactless", "Donations: contactless", "income", False, False),
    ("income:contributions", "Contributions from services and funders", "income", False, False),
    ("income:gift-aid", "Gift Aid", "income", False, False),
    ("income:gasds", "GASDS top-up", "income", False, False),
    ("income:interest", "Bank interest", "income", False, False),
    ("expenses:grants:phone", "Grants: phone", "expense", False, True),
    ("expenses:grants:id-documents", "Grants: ID documents", "expense", False, True),
    ("expenses:grants:personal-care", "Grants: haircut and personal care", "expense", False, True),
    ("expenses:grants:clothing", "Grants: clothing for work or interview", "expense", False, True),
    ("expenses:grants:travel", "Grants: travel", "expense", False, True),
    ("expenses:grants:furniture", "Grants: furniture pack", "expense", False, True),
    ("expenses:grants:white-goods", "Grants: white goods", "expense", False, True),
    ("expenses:grants:other", "Grants: other", "expense", False, True),
    ("expenses:fees", "Payment processing fees", "expense", False, False),
    ("expenses:cash-differences", "Cash differences", "expense", False, False),
    ("expenses:bank-charges", "Bank charges", "expense", False, False),
]


def ensure_reference_rows(apps, using: str = "default") -> None:
    """Create the chart of accounts and the chain head where missing (idempotent).

    Run by the data migration, and after every migrate or flush so that a test database
    emptied between tests has its chart back.
    """
    Account = apps.get_model("fund", "Account")
    ChainHead = apps.get_model("fund", "ChainHead")
    existing = set(Account.objects.using(using).values_list("code", flat=True))
    Account.objects.using(using).bulk_create(
        [
            Account(code=code, name=name, type=type_, liquid=liquid, is_grant_category=grant)
            for code, name, type_, liquid, grant in CHART
            if code not in existing
        ]
    )
    ChainHead.objects.using(using).get_or_create(pk=1)
