"""Gift Aid and GASDS in their own accounts: add the new ones, rename Gift Aid income.

GASDS now has its own receivable and income, and overclaimed Gift Aid owed to HMRC its own
liability (see ``fund/chart.py``), so "Gift Aid and GASDS" income becomes "Gift Aid".
"""

from django.db import migrations

from fund.chart import ensure_reference_rows


def forwards(apps, schema_editor):
    alias = schema_editor.connection.alias
    ensure_reference_rows(apps, alias)
    Account = apps.get_model("fund", "Account")
    Account.objects.using(alias).filter(code="income:gift-aid").update(name="Gift Aid")


def backwards(apps, schema_editor):
    Account = apps.get_model("fund", "Account")
    Account.objects.using(schema_editor.connection.alias).filter(code="income:gift-aid").update(
        name="Gift Aid and GASDS"
    )


class Migration(migrations.Migration):
    dependencies = [("fund", "0002_chart_of_accounts_roles_and_triggers")]

    operations = [migrations.RunPython(forwards, backwards)]
