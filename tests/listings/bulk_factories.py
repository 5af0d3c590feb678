"""Files and owners for the bulk import/export tests.

The sample files in apps/listings/samples name their owners by the demo organisations' credit codes
(apps/demo/data.py), so they import into a demo database as they are; here the same organisations are made
with the factories.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

import apps.listings
from apps.organizations.models import Organization, OrganizationType, VerificationStatus
from tests.factories import OrganizationFactory

SAMPLES_DIR = Path(apps.listings.__file__).parent / "samples"

UNIVERSITY = "12450203DEM0000089"
INSTITUTE = "12450202DEM0000103"
COLLEGE = "12450205DEM0000099"
AUTO_PARTS = "91450203DEM000002H"
STEEL = "91450205DEM000003H"
MACHINERY = "91450204DEM0000046"
CHEMICALS = "91450205DEM000005P"
LUOSIFEN = "91450206DEM0000069"
UNVERIFIED = "91450203DEM0000071"  # 柳州示例新能源电池科技有限公司, still pending verification

_OWNERS = {
    UNIVERSITY: ("广西示例科技大学", OrganizationType.UNIVERSITY, "450203", "022"),
    INSTITUTE: ("柳州示例工业技术研究院", OrganizationType.RESEARCH_INSTITUTE, "450202", "021"),
    COLLEGE: ("柳州示例职业技术学院", OrganizationType.UNIVERSITY, "450205", "022"),
    AUTO_PARTS: ("柳州示例汽车零部件有限公司", OrganizationType.ENTERPRISE, "450203", "150"),
    STEEL: ("柳州示例轧钢有限责任公司", OrganizationType.ENTERPRISE, "450205", "110"),
    MACHINERY: ("柳州示例工程机械股份有限公司", OrganizationType.ENTERPRISE, "450204", "160"),
    CHEMICALS: ("柳州示例精细化工有限公司", OrganizationType.ENTERPRISE, "450205", "150"),
    LUOSIFEN: ("柳州示例螺蛳粉食品有限公司", OrganizationType.ENTERPRISE, "450206", "170"),
    UNVERIFIED: ("柳州示例新能源电池科技有限公司", OrganizationType.ENTERPRISE, "450203", "170"),
}

# Rows in each sample file.
SAMPLE_ROWS = {"achievements.csv": 4, "achievements.jsonl": 3, "demands.csv": 3, "demands.jsonl": 2}


def sample_owners() -> dict[str, Organization]:
    """The organisations the sample files name, by credit code (all verified but UNVERIFIED)."""
    return {
        code: OrganizationFactory(
            name=name,
            type=org_type,
            credit_code=code,
            region_id=region,
            entity_type_id=entity_type,
            verification_status=VerificationStatus.PENDING if code == UNVERIFIED else VerificationStatus.VERIFIED,
        )
        for code, (name, org_type, region, entity_type) in _OWNERS.items()
    }


def sample_bytes(name: str) -> bytes:
    return (SAMPLES_DIR / name).read_bytes()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


ACHIEVEMENT_HEADERS = (
    "标题",
    "成果简介",
    "技术领域",
    "产业",
    "关键词",
    "技术成熟度",
    "合作方式",
    "价格类型",
    "最低价格",
    "最高价格",
    "有效期",
    "所属机构统一社会信用代码",
    "状态",
)
_serial = itertools.count(1)


def achievement_row(**overrides: str) -> dict[str, str]:
    """One good achievement row keyed by Chinese header; each call has a distinct title."""
    n = next(_serial)
    row = {
        "标题": f"铝合金轮毂低压铸造缺陷控制技术{n}",
        "成果简介": "优化低压铸造充型与凝固工艺，轮毂气孔缺陷率由4%降至0.8%，已在柳州企业中试。",
        "技术领域": "先进制造",
        "产业": "汽车；机械",
        "关键词": "低压铸造；铝合金",
        "技术成熟度": "6",
        "合作方式": "转让、许可",
        "价格类型": "价格区间",
        "最低价格": "300000",
        "最高价格": "500000",
        "有效期": "2030-12-31",
        "所属机构统一社会信用代码": UNIVERSITY,
        "状态": "草稿",
    }
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict[str, str]], *, encoding: str = "utf-8", headers: Any = None) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(headers or ACHIEVEMENT_HEADERS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def jsonl_bytes(items: list[Any]) -> bytes:
    return "\n".join(json.dumps(item, ensure_ascii=False) for item in items).encode("utf-8") + b"\n"
