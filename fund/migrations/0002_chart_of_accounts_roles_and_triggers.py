"""Seed the chart of accounts, the chain head and the role groups; install the triggers."""

from django.db import migrations

from fund import triggers
from fund.chart import ensure_reference_rows

ROLES = ["Key worker", "Fund officer", "Fund manager", "Auditor", "Partner"]


def seed(apps, schema_editor):
    ensure_reference_rows(apps, schema_editor.connection.alias)
    Group = apps.get_model("auth", "Group")
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
