"""Load the working-day calendar exceptions (2025, 2026) and the two registration rule sets."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "working_day_exceptions.json"

RULE_SETS = [
    {
        "version": "2001-07",
        "name": "技术合同认定规则（2001）",
        "effective_from": "2001-07-18",
        "standard_days": 15,
        "extended_days": 30,
        "extended_threshold": Decimal("5000000"),
        "note": (
            "The rules before the January 2026 reissue (技术合同认定登记管理办法 2000, 技术合同认定规则 2001). "
            "Effective date as published in 2001; the 15/30 working-day deadline and the ¥5,000,000 expert-review "
            "threshold are the figures of the market's DOMAIN.md, assumed unchanged for this version."
        ),
    },
    {
        "version": "2026-01",
        "name": "技术合同认定登记规则（2026年1月修订）",
        "effective_from": "2026-01-01",
        "standard_days": 15,
        "extended_days": 30,
        "extended_threshold": Decimal("5000000"),
        "note": (
            "The January 2026 reissue. Effective date assumed to be 1 January 2026; deadline figures from DOMAIN.md "
            "(15 working days, 30 at or above a technology amount of ¥5,000,000). Correct here if the text differs."
        ),
    },
]


def load(apps, schema_editor):
    exception_model = apps.get_model("contracts", "WorkingDayException")
    rule_set_model = apps.get_model("contracts", "RuleSet")
    days = json.loads(DATA.read_text(encoding="utf-8"))["days"]
    for row in days:
        exception_model.objects.update_or_create(
            date=row["date"], defaults={"is_working_day": row["is_working_day"], "name": row["name"]}
        )
    for row in RULE_SETS:
        rule_set_model.objects.update_or_create(version=row["version"], defaults=row)


def unload(apps, schema_editor):
    apps.get_model("contracts", "RuleSet").objects.filter(version__in=[r["version"] for r in RULE_SETS]).delete()
    days = json.loads(DATA.read_text(encoding="utf-8"))["days"]
    apps.get_model("contracts", "WorkingDayException").objects.filter(date__in=[d["date"] for d in days]).delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
