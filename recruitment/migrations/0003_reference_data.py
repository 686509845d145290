from django.db import migrations


def load(apps, schema_editor):
    from recruitment.reference_data import ETHNICITIES, MAJORITY_ETHNICITY, RELIGIONS
    from recruitment.text import match_key

    Ethnicity = apps.get_model("recruitment", "Ethnicity")
    Religion = apps.get_model("recruitment", "Religion")
    Ethnicity.objects.bulk_create(
        Ethnicity(name=name, key=match_key(name), is_minority=name != MAJORITY_ETHNICITY) for name in ETHNICITIES
    )
    Religion.objects.bulk_create(Religion(name=name, key=match_key(name)) for name in RELIGIONS)


def unload(apps, schema_editor):
    apps.get_model("recruitment", "Ethnicity").objects.all().delete()
    apps.get_model("recruitment", "Religion").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("recruitment", "0002_initial")]
    operations = [migrations.RunPython(load, unload)]
