"""The import file format: columns, their Chinese headers and aliases, choice labels, the two kinds."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rest_framework import serializers as drf_serializers

from apps.core import bulk
from apps.listings import serializers as listing_serializers
from apps.listings.models import (
    Achievement,
    Attribute,
    CooperationMode,
    Demand,
    Language,
    ListingStatus,
    PriceType,
    Stage,
)
from apps.listings.services import ListingError, achievement_build, demand_build

# At most this many row errors are returned; the total is always counted.
MAX_REPORTED_ERRORS = 1000
DEFAULT_BATCH_SIZE = 1000


def default_jobs() -> int:
    """Worker processes for the command: one per core beyond the one that stores (and PostgreSQL's)."""
    return max(1, (os.cpu_count() or 1) - 1)


IMPORT_EXTENSIONS = bulk.IMPORT_EXTENSIONS
BulkError = bulk.BulkError


class RowCode(StrEnum):
    """Codes of row errors raised here; the serializers and builders add their own (required, invalid …)."""

    INVALID_JSON = "invalid_json"
    UNKNOWN_OWNER = "unknown_owner"
    OWNER_NOT_VERIFIED = "owner_not_verified"
    INVALID_STATUS = "invalid_status"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    DUPLICATE_LISTING = ListingError.DUPLICATE.value
    NOT_YOURS = "owner_not_yours"


@dataclass(frozen=True)
class Column:
    """One column of the file: the field it fills, its Chinese header and how a cell becomes a value."""

    field: str
    header: str  # the Chinese header written by the export and shown in error reports
    aliases: tuple[str, ...] = ()
    kind: str = "text"  # text | list | field | industry | industries | choice | choices | money | date | int


# Chinese labels of the choices, used both ways: import accepts them, export writes them.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "cooperation_modes": {
        CooperationMode.SELF_IMPLEMENTATION: "自行实施",
        CooperationMode.TRANSFER: "转让",
        CooperationMode.LICENCE: "许可",
        CooperationMode.COOPERATIVE: "合作实施",
        CooperationMode.EQUITY: "作价投资",
        CooperationMode.OTHER: "其他",
    },
    "price_type": {PriceType.FIXED: "固定价格", PriceType.RANGE: "价格区间", PriceType.NEGOTIABLE: "面议"},
    "attribute": {
        Attribute.ORIGINAL: "原始创新",
        Attribute.ABSORBED: "引进消化吸收再创新",
        Attribute.SECONDARY: "二次开发",
    },
    "language": {Language.ZH: "中文", Language.EN: "英文"},
    "wanted_stage": {
        Stage.LAB: "实验室",
        Stage.SMALL_SCALE: "小试",
        Stage.PILOT: "中试",
        Stage.MASS_PRODUCTION: "批量生产",
    },
    "stage": {
        Stage.LAB: "实验室",
        Stage.SMALL_SCALE: "小试",
        Stage.PILOT: "中试",
        Stage.MASS_PRODUCTION: "批量生产",
    },
    "status": {
        ListingStatus.DRAFT: "草稿",
        ListingStatus.SUBMITTED: "待审核",
        ListingStatus.PUBLISHED: "已发布",
        ListingStatus.REJECTED: "已退回",
        ListingStatus.WITHDRAWN: "已撤回",
        ListingStatus.EXPIRED: "已过期",
        ListingStatus.TRANSFERRED: "已成交",
    },
}
# Further spellings people type.
CHOICE_SYNONYMS: dict[str, dict[str, str]] = {
    "cooperation_modes": {
        "自行投资实施": "self_implementation",
        "技术转让": "transfer",
        "转让许可": "licence",
        "技术许可": "licence",
        "许可使用": "licence",
        "合作": "cooperative",
        "合作转化": "cooperative",
        "作价入股": "equity",
        "作价投资入股": "equity",
        "license": "licence",
    },
    "price_type": {"固定": "fixed", "一口价": "fixed", "区间": "range", "价格面议": "negotiable"},
    "language": {"zh-hans": "zh", "汉语": "zh", "英语": "en"},
    "status": {
        "发布": "published",
        "已发布": "published",
        "草稿": "draft",
        "提交审核": "submitted",
        "审核": "submitted",
    },
}
# An import creates listings in one of these states; the rest are reached through the lifecycle only.
IMPORT_STATUSES = (ListingStatus.DRAFT, ListingStatus.PUBLISHED)
# An organisation importing its own listings sends them to review (submitted), as a submit would, or keeps
# them as drafts; an organisation the operator has not verified keeps drafts only, as in a single create.
SELF_IMPORT_STATUSES = (ListingStatus.DRAFT, ListingStatus.SUBMITTED)

_COMMON_COLUMNS = (
    Column("owner_credit_code", "所属机构统一社会信用代码", ("统一社会信用代码", "信用代码", "owner")),
    Column("title", "标题", ("成果名称", "需求名称", "名称")),
    Column("translated_title", "译名", ("英文标题", "英文名称")),
    Column("language", "语言", (), "choice"),
    Column("status", "状态", (), "choice"),
    Column("technology_field", "技术领域", ("领域",), "field"),
    Column("keywords", "关键词", ("关键字",), "list"),
    Column("cooperation_modes", "合作方式", ("cooperation_mode",), "choices"),
    Column("contact_name", "联系人"),
    Column("contact_phone", "联系电话", ("电话",)),
    Column("contact_email", "联系邮箱", ("邮箱", "电子邮箱")),
    Column("confidential_detail", "保密内容", ("保密信息", "详细内容")),
)
ACHIEVEMENT_COLUMNS = (
    *_COMMON_COLUMNS,
    Column("summary", "成果简介", ("简介", "摘要")),
    Column("translated_summary", "英文简介", ("译文简介",)),
    Column("trl", "技术成熟度", ("成熟度", "TRL"), "int"),
    Column("attribute", "成果属性", ("属性",), "choice"),
    Column("industries", "产业", ("所属产业", "应用产业", "industry"), "industries"),
    Column("price_type", "价格类型", ("报价方式",), "choice"),
    Column("price_min", "最低价格", ("价格下限", "最低价格(元)", "价格"), "money"),
    Column("price_max", "最高价格", ("价格上限", "最高价格(元)"), "money"),
    Column("expires_on", "有效期", ("有效期至", "截止日期"), "date"),
)
DEMAND_COLUMNS = (
    *_COMMON_COLUMNS,
    Column("description", "需求描述", ("需求简介", "描述", "简介")),
    Column("translated_description", "英文描述", ("译文描述",)),
    Column("industry", "产业", ("所属产业", "industries"), "industry"),
    Column("budget_min", "最低预算", ("预算下限", "最低预算(元)", "预算"), "money"),
    Column("budget_max", "最高预算", ("预算上限", "最高预算(元)"), "money"),
    Column("deadline", "截止日期", ("需求截止日期", "有效期"), "date"),
    Column("wanted_stage", "期望阶段", ("期望成熟阶段",), "choice"),
    Column("region_preference", "意向地区", ("意向地区代码",)),
)


@dataclass(frozen=True)
class ListingKind:
    """What differs between importing achievements and demands."""

    name: str  # "achievement"
    plural: str  # "achievements"
    model: type[Achievement] | type[Demand]
    serializer_class: type[drf_serializers.Serializer]
    build: Callable[..., Any]
    columns: tuple[Column, ...]
    required: tuple[str, ...]  # columns a CSV header must have
    expiry_field: str

    def column_for(self, name: str) -> Column | None:
        return column_index(self.name).get(header_key(name))


ACHIEVEMENT_KIND = ListingKind(
    name="achievement",
    plural="achievements",
    model=Achievement,
    serializer_class=listing_serializers.AchievementInputSerializer,
    build=achievement_build,
    columns=ACHIEVEMENT_COLUMNS,
    required=("owner_credit_code", "title", "summary", "technology_field", "trl", "cooperation_modes"),
    expiry_field="expires_on",
)
DEMAND_KIND = ListingKind(
    name="demand",
    plural="demands",
    model=Demand,
    serializer_class=listing_serializers.DemandInputSerializer,
    build=demand_build,
    columns=DEMAND_COLUMNS,
    required=("owner_credit_code", "title", "description", "technology_field", "cooperation_modes", "deadline"),
    expiry_field="deadline",
)
KINDS: dict[str, ListingKind] = {
    "achievement": ACHIEVEMENT_KIND,
    "achievements": ACHIEVEMENT_KIND,
    "demand": DEMAND_KIND,
    "demands": DEMAND_KIND,
}

header_key = bulk.header_key

_COLUMN_INDEXES: dict[str, dict[str, Column]] = {}


def column_index(kind_name: str) -> dict[str, Column]:
    index = _COLUMN_INDEXES.get(kind_name)
    if index is None:
        columns = ACHIEVEMENT_COLUMNS if kind_name == "achievement" else DEMAND_COLUMNS
        index = {}
        # Aliases first, so that a canonical name or header always wins over another column's alias.
        for column in columns:
            for alias in column.aliases:
                index.setdefault(header_key(alias), column)
        for column in columns:
            index[header_key(column.field)] = column
            index[header_key(column.header)] = column
        _COLUMN_INDEXES[kind_name] = index
    return index
