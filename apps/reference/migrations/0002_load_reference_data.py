"""Load the reference code lists from apps/reference/data/*.json.

The JSON files are the input of this migration. Loading is an upsert by code, so running it on a
database where some codes were already created by hand converges instead of failing. Reversing
deletes exactly the codes in the files (children before parents); it refuses, through PROTECT, while
organisations or other records still use a code.

A later change to a code list belongs in a new data migration, so that every existing database
receives it; the operator edits industries in the admin.
"""

import json
from pathlib import Path

from django.db import migrations

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# model name -> (data file, fields copied from the file besides the code)
TABLES = {
    "TechnologyField": ("technology_fields.json", ("name_zh", "name_en")),
    "Industry": ("industries.json", ("name_zh", "name_en", "kind")),
    "Region": ("regions.json", ("name_zh", "name_en", "level")),
    "Country": ("countries.json", ("alpha2", "name_zh", "name_en", "is_asean")),
    "EntityType": ("entity_types.json", ("name_zh", "name_en")),
}
# Lists whose order in the file is their display order.
SORTED = {"TechnologyField", "Industry"}


def read_rows(model_name):
    file_name, _fields = TABLES[model_name]
    with (DATA_DIR / file_name).open(encoding="utf-8") as handle:
        return json.load(handle)


def depths(rows):
    """{code: number of ancestors}, so that parents are written before and deleted after their children."""
    parents = {row["code"]: row.get("parent") for row in rows}
    result = {}
    for code in parents:
        depth, parent = 0, parents[code]
        while parent:
            depth, parent = depth + 1, parents[parent]
        result[code] = depth
    return result


def loader(model_name):
    def load(apps, schema_editor):
        model = apps.get_model("reference", model_name)
        _file_name, fields = TABLES[model_name]
        rows = read_rows(model_name)
        depth = depths(rows)
        for position, row in sorted(enumerate(rows, start=1), key=lambda item: depth[item[1]["code"]]):
            defaults = {field: row[field] for field in fields}
            if "parent" in row:
                defaults["parent_id"] = row["parent"]
            if model_name in SORTED:
                defaults["sort_order"] = position
            model.objects.update_or_create(code=row["code"], defaults=defaults)

    return load


def unloader(model_name):
    def unload(apps, schema_editor):
        model = apps.get_model("reference", model_name)
        rows = read_rows(model_name)
        depth = depths(rows)
        for row in sorted(rows, key=lambda r: depth[r["code"]], reverse=True):
            model.objects.filter(code=row["code"]).delete()

    return unload


class Migration(migrations.Migration):
    dependencies = [
        ("reference", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(loader(model_name), unloader(model_name), elidable=False)
        for model_name in TABLES
    ]
