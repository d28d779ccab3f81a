from django.db import migrations


def seed(apps, schema_editor):
    from apertura.catalog.registers import seed as seed_registers

    seed_registers(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
