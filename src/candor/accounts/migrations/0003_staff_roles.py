# Staff roles as groups (P15), from the matrix in candor/accounts/roles.py.
#
# Permissions are normally created after every migration has run (post_migrate), so this
# migration creates them first for the models it can see. It depends on the apps whose
# permissions the roles name; `manage.py ensure_roles` applies later changes to the matrix.

from django.contrib.auth.management import create_permissions
from django.db import migrations


def forwards(apps, schema_editor):
    from candor.accounts.roles import ensure_roles

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_profile_addresses_and_disabling"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalog", "0006_suggestions"),
        ("orders", "0003_screening"),
        ("payments", "0001_initial"),
        ("messaging", "0002_subscriptions_and_mailings"),
        ("privacy", "0004_staff_access"),
        ("support", "0001_initial"),
        ("testimonials", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
