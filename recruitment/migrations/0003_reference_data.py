from django.db import migrations


def load(apps, schema_editor):
    from recruitment import reference_data

    reference_data.load(apps.get_model("recruitment", "Ethnicity"), apps.get_model("recruitment", "Religion"))


def unload(apps, schema_editor):
    apps.get_model("recruitment", "Ethnicity").objects.all().delete()
    apps.get_model("recruitment", "Religion").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("recruitment", "0002_initial")]
    operations = [migrations.RunPython(load, unload)]
