import django.utils.timezone
from django.db import migrations, models

GENESIS = "0" * 64


def create_head(apps, schema_editor):
    # The head starts where the existing chain ends, so the first event written after the upgrade links to it.
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditHead = apps.get_model("audit", "AuditHead")
    last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    AuditHead.objects.update_or_create(pk=1, defaults={"last_event_id": last[0] if last else None,
                                                       "hash": last[1] if last else GENESIS})


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="when"),
        ),
        # The events already written were hashed by scheme 1 and keep it; new ones state theirs.
        migrations.AddField(
            model_name="auditevent",
            name="scheme",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="hashing scheme"),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AuditHead",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("last_event_id", models.BigIntegerField(blank=True, null=True)),
                ("hash", models.CharField(default=GENESIS, max_length=64)),
            ],
            options={
                "verbose_name": "audit chain head",
                "verbose_name_plural": "audit chain head",
                "constraints": [models.CheckConstraint(condition=models.Q(("id", 1)), name="audit_head_single_row")],
            },
        ),
        migrations.CreateModel(
            name="AuditAcknowledgement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("event_id", models.BigIntegerField(verbose_name="event")),
                ("kind", models.CharField(choices=[("content", "content altered"), ("link", "link broken"),
                                                   ("scheme", "hashing scheme changed"),
                                                   ("head", "end of the log changed")],
                                          max_length=20, verbose_name="kind")),
                ("previous_hash", models.CharField(blank=True, max_length=64, verbose_name="stored link")),
                ("expected_previous_hash", models.CharField(blank=True, max_length=64, verbose_name="expected link")),
                ("hash", models.CharField(blank=True, max_length=64, verbose_name="stored hash")),
                ("expected_hash", models.CharField(blank=True, max_length=64, verbose_name="expected hash")),
                ("reason", models.TextField(verbose_name="reason")),
                ("acknowledged_by", models.CharField(max_length=200, verbose_name="acknowledged by")),
                ("acknowledged_at", models.DateTimeField(default=django.utils.timezone.now,
                                                         verbose_name="acknowledged at")),
            ],
            options={
                "verbose_name": "acknowledged audit break",
                "verbose_name_plural": "acknowledged audit breaks",
                "ordering": ["id"],
            },
        ),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
