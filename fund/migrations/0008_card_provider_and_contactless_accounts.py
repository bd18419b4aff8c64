"""Accounts contactless collection points need: the card provider's clearing account (taps
taken, not yet paid out) and contactless donations income (see ``fund/chart.py``)."""

from django.db import migrations

from fund.chart import ensure_reference_rows

NEW = ("assets:card-provider", "income:donations:contactless")


def forwards(apps, schema_editor):
    ensure_reference_rows(apps, schema_editor.connection.alias)


def backwards(apps, schema_editor):
    Account = apps.get_model("fund", "Account")
    Account.objects.using(schema_editor.connection.alias).filter(code__in=NEW).delete()


class Migration(migrations.Migration):
    dependencies = [("fund", "0007_bank_charges_interest_and_suspense_accounts")]

    operations = [migrations.RunPython(forwards, backwards)]
