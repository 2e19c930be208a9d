from django.db import migrations, models
from django.db.models import F
from django.utils import timezone

REFUNDED = 4  # Order.Status.REFUNDED


def mark_refunded(apps, schema_editor):
    """Access that ended because the order that last granted it was refunded (one UPDATE)."""
    CoursePurchase = apps.get_model("access", "CoursePurchase")
    CoursePurchase.objects.filter(
        order__status=REFUNDED, expires_at__isnull=False, expires_at__lte=timezone.now()
    ).update(revoked_at=F("expires_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_lesson_progress"),
        ("orders", "0004_unpaid_deadline_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="coursepurchase",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_refunded, migrations.RunPython.noop),
    ]
