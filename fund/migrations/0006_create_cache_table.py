"""Creates the database cache's table (settings.CACHES, ``django_cache``) with ``migrate``.

Rate-limit counters, used one-time codes and the worker's heartbeat live there, so a deploy
that forgot ``manage.py createcachetable`` would otherwise fail at the first sign-in. The
command is idempotent: it skips a table that exists.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ('fund', '0005_entry_effective_date_index'),
    ]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
