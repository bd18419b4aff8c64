"""Accounts the bank statement needs: bank charges, bank interest and a suspense account for
receipts nobody can yet explain (see ``fund/chart.py``)."""

from django.db import migrations

from fund.chart import ensure_reference_rows

NEW = ("expenses:bank-charges", "income:interest", "liabilities:suspense")


def forwards(apps, schema_editor):
    ensure_reference_rows(apps, schema_editor.connection.alias)


def backwards(apps, schema_editor):
    Account = apps.get_model("fund", "Account")
    Account.objects.using(schema_editor.connection.alias).filter(code__in=NEW).delete()


class Migration(migrations.Migration):
    dependencies = [("fund", "0006_create_cache_table")]

    operations = [migrations.RunPython(forwards, backwards)]
