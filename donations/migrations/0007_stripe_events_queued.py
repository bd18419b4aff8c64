# Events are stored by the webhook and processed by the worker, with retries.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('donations', '0006_gift_aid_ledger'),
    ]

    operations = [
        migrations.RenameField(
            model_name='stripeevent',
            old_name='waiting_for_charge',
            new_name='waiting_for',
        ),
        migrations.AddField(
            model_name='stripeevent',
            name='api_version',
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name='stripeevent',
            name='attempts',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='stripeevent',
            name='last_error',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='stripeevent',
            name='next_attempt_at',
            field=models.DateTimeField(blank=True, db_index=True, help_text='Empty once final or given up.', null=True),
        ),
        migrations.AddField(
            model_name='stripeevent',
            name='processed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='stripeevent',
            name='waiting_for',
            field=models.CharField(blank=True, db_index=True, help_text='The Stripe object (a charge, a subscription) the event waits for.', max_length=255),
        ),
        migrations.AlterField(
            model_name='stripeevent',
            name='outcome',
            field=models.CharField(choices=[('received', 'Received; not yet processed'), ('processed', 'Processed'), ('waiting', 'Waiting for what it refers to'), ('unmatched', 'Refers to nothing here yet'), ('ignored', 'Type not handled; acknowledged'), ('failed', 'Processing failed')], db_index=True, default='received', max_length=20),
        ),
    ]
