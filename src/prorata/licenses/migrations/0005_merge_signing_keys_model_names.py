# Merge migration: two branches of the schema, nothing to do.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('licenses', '0004_license_token_signing_keys'),
        ('licenses', '0004_model_names_translated'),
    ]

    operations = [
    ]
