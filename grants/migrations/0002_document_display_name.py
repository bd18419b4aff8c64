from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="document", old_name="original_name", new_name="display_name"),
        migrations.RenameField(
            model_name="historicaldocument", old_name="original_name", new_name="display_name"
        ),
    ]
