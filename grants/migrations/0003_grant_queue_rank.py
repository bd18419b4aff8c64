"""The decision queue's stored sort key (``Grant.queue_rank``), backfilled, with an index on
(queue_rank, submitted_at) so the queue's order is read from the index, not sorted by a CASE."""

from django.db import migrations, models

# The ranks as ``grants.models.queue_rank_for`` gives them (copied: a migration must not
# change when the model's code does).
QUEUED = ["submitted", "second_approval", "info_requested"]


def backfill(apps, schema_editor):
    db = schema_editor.connection.alias
    for name in ("Grant", "HistoricalGrant"):
        rows = apps.get_model("grants", name).objects.using(db)
        rows.filter(status__in=QUEUED, urgency="today").update(queue_rank=0)
        rows.filter(status__in=QUEUED).exclude(urgency="today").update(queue_rank=1)
        rows.exclude(status__in=QUEUED).filter(urgency="today").update(queue_rank=2)
        rows.exclude(status__in=QUEUED).exclude(urgency="today").update(queue_rank=3)


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0002_document_display_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="grant",
            name="queue_rank",
            field=models.PositiveSmallIntegerField(default=3, editable=False),
        ),
        migrations.AddField(
            model_name="historicalgrant",
            name="queue_rank",
            field=models.PositiveSmallIntegerField(default=3, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="grant",
            index=models.Index(fields=["queue_rank", "submitted_at"], name="grants_grant_queue_idx"),
        ),
    ]
