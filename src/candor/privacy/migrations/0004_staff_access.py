# Need-to-know staff access (P15): the data-family permissions and the access records.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0003_rights_requests"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PersonalDataAccess",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
            ],
            options={
                "verbose_name": "personal data access",
                "permissions": [
                    (
                        "view_contact",
                        "Can reveal customers' names, email addresses and phone numbers",
                    ),
                    ("view_address", "Can reveal customers' postal addresses"),
                    ("view_payment_references", "Can reveal payment references"),
                    ("view_logs", "Can reveal IP addresses and browser strings in logs"),
                ],
                "managed": False,
                "default_permissions": (),
            },
        ),
        migrations.CreateModel(
            name="StaffAccessRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("subject_user_id", models.BigIntegerField(blank=True, null=True)),
                ("model", models.CharField(help_text="The record's model label.", max_length=100)),
                ("object_pk", models.CharField(max_length=40)),
                ("family", models.CharField(max_length=30)),
                ("fields", models.JSONField(default=list, help_text="The fields revealed.")),
                ("reason", models.CharField(max_length=300)),
                ("granted", models.BooleanField(help_text="False: refused, nothing was shown.")),
                (
                    "staff",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-id"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("subject_user_id__isnull", False)),
                        fields=["subject_user_id"],
                        name="privacy_access_subject",
                    )
                ],
            },
        ),
    ]
