# Merge migration: two branches of the schema, nothing to do.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0010_line_translations_model_names'),
        ('billing', '0010_manual_credits'),
    ]

    operations = [
    ]
