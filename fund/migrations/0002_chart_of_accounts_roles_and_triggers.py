"""Seed the chart of accounts, the chain head and the role groups; install the triggers."""

from django.db import migrations

from fund import triggers

CHART = [
    # code, name, type, liquid, is_grant_category
    ("assets:bank", "Bank", "asset", True, False),
    ("assets:stripe", "Stripe balance", "asset", True, False),
    ("assets:cash-in-transit", "Cash in transit", "asset", True, False),
    ("assets:gift-aid-receivable", "Gift Aid receivable", "asset", False, False),
    ("liabilities:grants-payable", "Grants payable", "liability", False, False),
    ("income:donations:boxes", "Donations: collection boxes", "income", False, False),
    ("income:donations:online", "Donations: online", "income", False, False),
    ("income:contributions", "Contributions from services and funders", "income", False, False),
    ("income:gift-aid", "Gift Aid and GASDS", "income", False, False),
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
]

ROLES = ["Key worker", "Fund officer", "Fund manager", "Auditor", "Partner"]


def seed(apps, schema_editor):
    Account = apps.get_model("fund", "Account")
    ChainHead = apps.get_model("fund", "ChainHead")
    Group = apps.get_model("auth", "Group")
    for code, name, type_, liquid, is_grant_category in CHART:
        Account.objects.update_or_create(
            code=code,
            defaults={"name": name, "type": type_, "liquid": liquid, "is_grant_category": is_grant_category},
        )
    ChainHead.objects.get_or_create(pk=1)
    for role in ROLES:
        Group.objects.get_or_create(name=role)


def install_triggers(apps, schema_editor):
    triggers.install(schema_editor.connection)


def uninstall_triggers(apps, schema_editor):
    triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("fund", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, uninstall_triggers),
    ]
