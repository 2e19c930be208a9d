"""The staff groups 运营, 财务, 客服 (luffy/backoffice/roles.py) with their permissions. Django
creates permissions after migrations, so the ones the roles need are created here first."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from luffy.backoffice.roles import ROLES, roles_sync


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_sync(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalog", "0004_verbose_names"),
        ("coupons", "0004_redeem_codes"),
        ("access", "0004_verbose_names_staff"),
        ("users", "0004_verbose_names"),
        ("orders", "0008_verbose_names_staff"),
        ("payments", "0005_verbose_names_staff"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
