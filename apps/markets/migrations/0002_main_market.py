"""The main market (柳州科技大市场) that every existing listing and contract is backfilled to."""

from django.db import migrations


def create_main(apps, schema_editor):
    Market = apps.get_model("markets", "Market")
    Market.objects.get_or_create(
        code="liuzhou",
        defaults={
            "name_zh": "柳州科技大市场",
            "name_en": "Liuzhou Technology Market",
            "level": "main",
            "region_codes": ["450200"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("markets", "0001_network")]

    operations = [migrations.RunPython(create_main, migrations.RunPython.noop)]
