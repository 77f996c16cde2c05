# Merge migration: two branches of the schema, nothing to do.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tenants', '0002_billing_profile_model_names'),
        ('tenants', '0002_users_restorable_after_removal'),
    ]

    operations = [
    ]
