"""Bulk import and export of technology contracts (技术合同批量导入导出).

Each row goes through the API's create serializer and :func:`apps.contracts.services.contract_create`, so an
import refuses what a single create refuses (types and subtypes, dates, parties and their codes, the money
rules) and records the same effects (the bypass check). The caller imports contracts its organisation is a
party to (the operator: any); a party on the platform is named by its credit code, one off the platform by
name, country, region and entity type.

Amounts: 合同金额 is the contract amount; 技术交易额, when given, is kept by recording the difference as one
non-technical deduction line (the single API's deductions), so technology amount ≤ contract amount holds.

A row's stable key: the seller and the contract number when the row has a number, else the seller, buyer,
title, signing date and amount. Re-importing the same file stores nothing twice. (Once contracts carry an
``external_id``, a row that has one is keyed by it in :meth:`ContractRowHandler.key`/``stored``.)
Registration is not imported: it needs the signed document and the registrant's application
(``POST contracts/{id}/registration``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError

from apps.accounts.models import User
from apps.contracts.apis.contracts import ContractCreateInputSerializer
from apps.contracts.catalogue import ContractSubtype, ContractType, DeductionKind, IPType, ProgrammeClass
from apps.contracts.selectors import contract_visible_qs
from apps.contracts.services import ContractError, contract_create
from apps.core import bulk
from apps.core.effects import effect
from apps.core.errors import ApplicationError
from apps.core.fields import MoneyField
from apps.core.spreadsheets import template_xlsx
from apps.organizations.models import Organization
from apps.reference.models import EntityType, TechnologyField

TYPE_SYNONYMS = {
    "技术开发": ContractType.DEVELOPMENT,
    "开发": ContractType.DEVELOPMENT,
    "技术转让": ContractType.TRANSFER,
    "转让": ContractType.TRANSFER,
    "技术许可": ContractType.LICENCE,
    "许可": ContractType.LICENCE,
    "技术咨询": ContractType.CONSULTING,
    "咨询": ContractType.CONSULTING,
    "技术服务": ContractType.SERVICE,
    "服务": ContractType.SERVICE,
}
SUBTYPE_SYNONYMS = {
    "委托开发": ContractSubtype.COMMISSIONED_DEVELOPMENT,
    "合作开发": ContractSubtype.COOPERATIVE_DEVELOPMENT,
    "专利权转让": ContractSubtype.PATENT_RIGHT_TRANSFER,
    "专利申请权转让": ContractSubtype.PATENT_APPLICATION_RIGHT_TRANSFER,
    "技术秘密转让": ContractSubtype.TECHNICAL_SECRET_TRANSFER,
    "软件著作权转让": ContractSubtype.SOFTWARE_COPYRIGHT_TRANSFER,
    "集成电路布图设计转让": ContractSubtype.IC_LAYOUT_TRANSFER,
    "植物新品种转让": ContractSubtype.PLANT_VARIETY_TRANSFER,
    "其他技术转让": ContractSubtype.OTHER_TRANSFER,
    "专利独占许可": ContractSubtype.EXCLUSIVE_PATENT_LICENCE,
    "独占许可": ContractSubtype.EXCLUSIVE_PATENT_LICENCE,
    "专利排他许可": ContractSubtype.SOLE_PATENT_LICENCE,
    "排他许可": ContractSubtype.SOLE_PATENT_LICENCE,
    "专利普通许可": ContractSubtype.ORDINARY_PATENT_LICENCE,
    "普通许可": ContractSubtype.ORDINARY_PATENT_LICENCE,
    "技术秘密许可": ContractSubtype.TECHNICAL_SECRET_LICENCE,
    "其他技术许可": ContractSubtype.OTHER_LICENCE,
    "可行性论证": ContractSubtype.FEASIBILITY_STUDY,
    "技术预测": ContractSubtype.TECHNOLOGY_FORECAST,
    "技术评价": ContractSubtype.TECHNOLOGY_EVALUATION,
    "其他技术咨询": ContractSubtype.OTHER_CONSULTING,
    "一般技术服务": ContractSubtype.GENERAL_SERVICE,
    "技术培训": ContractSubtype.TRAINING,
    "技术中介": ContractSubtype.BROKERAGE,
}
IP_TYPE_SYNONYMS = {
    "发明专利": IPType.INVENTION_PATENT,
    "实用新型专利": IPType.UTILITY_MODEL_PATENT,
    "实用新型": IPType.UTILITY_MODEL_PATENT,
    "外观设计专利": IPType.DESIGN_PATENT,
    "外观设计": IPType.DESIGN_PATENT,
    "软件著作权": IPType.SOFTWARE_COPYRIGHT,
    "集成电路布图设计": IPType.IC_LAYOUT,
    "植物新品种": IPType.PLANT_VARIETY,
    "生物医药新品种": IPType.BIOMEDICINE_VARIETY,
    "技术秘密": IPType.TECHNICAL_SECRET,
    "其他知识产权": IPType.OTHER,
    "未涉及知识产权": IPType.NONE,
    "无": IPType.NONE,
}
PROGRAMME_SYNONYMS = {
    "国家计划": ProgrammeClass.NATIONAL,
    "国家级": ProgrammeClass.NATIONAL,
    "部委计划": ProgrammeClass.MINISTRY,
    "省级计划": ProgrammeClass.PROVINCIAL,
    "省级": ProgrammeClass.PROVINCIAL,
    "市县计划": ProgrammeClass.CITY_COUNTY,
    "市县级": ProgrammeClass.CITY_COUNTY,
    "无": ProgrammeClass.NONE,
    "非计划": ProgrammeClass.NONE,
}


def _labels(synonyms: Mapping[str, str], values: list[str]) -> list[str]:
    """The first Chinese spelling of each value, in the order of ``values`` (the template's drop-down)."""
    first: dict[str, str] = {}
    for label, value in synonyms.items():
        first.setdefault(value, label)
    return [first[v] for v in values if v in first]


def _party_columns(role: str, header: str, aliases: tuple[str, ...]) -> tuple[bulk.BulkColumn, ...]:
    return (
        bulk.BulkColumn(
            f"{role}_credit_code",
            f"{header}统一社会信用代码",
            tuple(f"{a}统一社会信用代码" for a in aliases) + tuple(f"{a}信用代码" for a in (header, *aliases)),
            gettext_lazy("The party's unified social credit code, when it is on the platform."),
        ),
        bulk.BulkColumn(
            f"{role}_name",
            f"{header}名称",
            (header, *aliases, *(f"{a}名称" for a in aliases)),
            gettext_lazy("Required for a party not on the platform."),
        ),
        bulk.BulkColumn(
            f"{role}_country_code",
            f"{header}国家代码",
            tuple(f"{a}国家代码" for a in aliases),
            gettext_lazy("ISO 3166-1 numeric code; default 156 (China)."),
        ),
        bulk.BulkColumn(
            f"{role}_region_code",
            f"{header}地区代码",
            (f"{header}所在地区代码", *(f"{a}地区代码" for a in aliases)),
            gettext_lazy("GB/T 2260 code, e.g. 450200; default the organisation's region."),
        ),
        bulk.BulkColumn(
            f"{role}_entity_type_code",
            f"{header}主体类型",
            (f"{header}主体类型代码", *(f"{a}主体类型" for a in aliases)),
            gettext_lazy("Entity type code (e.g. 170) or name; default the organisation's type."),
        ),
    )


COLUMNS = (
    bulk.BulkColumn("title", "合同名称", ("标题", "项目名称"), gettext_lazy("Text."), True),
    bulk.BulkColumn(
        "contract_number", "合同编号", (), gettext_lazy("The parties' own number; with the seller, the row's key.")
    ),
    bulk.BulkColumn(
        "type",
        "合同类型",
        (),
        gettext_lazy("Pick from the list."),
        True,
        lambda: _labels(TYPE_SYNONYMS, list(ContractType.values)),
    ),
    bulk.BulkColumn(
        "subtype",
        "合同子类型",
        ("子类型", "合同类别"),
        gettext_lazy("Pick from the list; it must belong to the type."),
        True,
        lambda: _labels(SUBTYPE_SYNONYMS, list(ContractSubtype.values)),
    ),
    bulk.BulkColumn(
        "ip_type",
        "知识产权类型",
        ("知识产权",),
        gettext_lazy("Pick from the list."),
        True,
        lambda: _labels(IP_TYPE_SYNONYMS, list(IPType.values)),
    ),
    bulk.BulkColumn(
        "technology_field_code",
        "技术领域",
        ("领域",),
        gettext_lazy("Pick from the list (name or code)."),
        True,
        lambda: list(TechnologyField.objects.order_by("code").values_list("name_zh", flat=True)),
    ),
    bulk.BulkColumn(
        "programme_class",
        "计划类别",
        (),
        gettext_lazy("Pick from the list; default none."),
        False,
        lambda: _labels(PROGRAMME_SYNONYMS, list(ProgrammeClass.values)),
    ),
    bulk.BulkColumn(
        "signed_on", "签订日期", ("签约日期", "合同签订日期"), gettext_lazy("An Excel date, or 2026-03-01."), True
    ),
    bulk.BulkColumn("valid_from", "生效日期", ("合同生效日期",), gettext_lazy("Default: the signing date.")),
    bulk.BulkColumn(
        "valid_until", "终止日期", ("有效期至", "合同终止日期"), gettext_lazy("An Excel date, or 2027-03-01.")
    ),
    bulk.BulkColumn(
        "contract_amount",
        "合同金额",
        ("合同成交额", "成交金额", "合同金额(元)"),
        gettext_lazy("Yuan, a plain number such as 1200000.00."),
        True,
    ),
    bulk.BulkColumn(
        "technology_amount",
        "技术交易额",
        ("技术交易金额",),
        gettext_lazy("Yuan; at most the contract amount. Default: the contract amount."),
    ),
    *_party_columns("buyer", "买方", ("委托方", "受让方", "被许可方")),
    *_party_columns("seller", "卖方", ("受托方", "让与方", "许可方")),
)
REQUIRED = ("title", "type", "subtype", "ip_type", "technology_field_code", "signed_on", "contract_amount")
_IMPORT_DEDUCTION_NOTE = "非技术性支出（导入时由技术交易额推算）"


class ContractRowHandler:
    """One row → ``contract_create``; parties named by credit code become organisation ids."""

    error_fields: Mapping[str, str] = {
        "buyer_id": "buyer_credit_code",
        "seller_id": "seller_credit_code",
        "deductions": "technology_amount",
        "deal_id": "row",
    }

    def __init__(self, *, actor: User, table: bulk.Table) -> None:
        self.actor = actor
        codes = {
            str(r.values.get(f"{role}_credit_code", "")).strip().upper()
            for r in table.records
            for role in ("buyer", "seller")
        }
        self.orgs = dict(Organization.objects.filter(credit_code__in=codes - {""}).values_list("credit_code", "pk"))
        fields: dict[str, str] = {}
        for code, name_zh, name_en in TechnologyField.objects.values_list("code", "name_zh", "name_en"):
            fields[name_zh.lower()] = fields[name_en.lower()] = fields[code.lower()] = code
        self.fields = fields
        entity_types: dict[str, str] = {}
        for code, name_zh in EntityType.objects.values_list("code", "name_zh"):
            entity_types[name_zh.lower()] = entity_types[code] = code
        self.entity_types = entity_types
        self.choices = {
            "type": bulk.choice_lookup(ContractType.choices, TYPE_SYNONYMS),
            "subtype": bulk.choice_lookup(ContractSubtype.choices, SUBTYPE_SYNONYMS),
            "ip_type": bulk.choice_lookup(IPType.choices, IP_TYPE_SYNONYMS),
            "programme_class": bulk.choice_lookup(ProgrammeClass.choices, PROGRAMME_SYNONYMS),
        }
        self.visible = contract_visible_qs(actor)

    def _party_id(self, values: Mapping[str, Any], role: str) -> int | None:
        code = str(values.get(f"{role}_credit_code", "") or "").strip().upper()
        if not code:
            return None
        org_id = self.orgs.get(code)
        if org_id is None:
            raise ApplicationError(
                _("No organisation on the platform has this credit code; name the party instead."),
                code=ContractError.BAD_PARTIES,
                field_errors={f"{role}_credit_code": _("Unknown credit code.")},
            )
        return org_id

    def _party_key(self, values: Mapping[str, Any], role: str) -> str:
        code = str(values.get(f"{role}_credit_code", "") or "").strip().upper()
        return code or "name:" + str(values.get(f"{role}_name", "") or "").strip()

    def key(self, values: Mapping[str, Any]) -> str | None:
        number = str(values.get("contract_number", "") or "").strip()
        if number:
            return json.dumps(["number", self._party_key(values, "seller"), number], ensure_ascii=False)
        amount = _decimal(values.get("contract_amount"))
        signed_on = _date(values.get("signed_on"))
        if amount is None or signed_on is None:
            return None  # the row fails on its own when stored
        return json.dumps(
            [
                "content",
                self._party_key(values, "seller"),
                self._party_key(values, "buyer"),
                str(values.get("title", "")).strip(),
                signed_on.isoformat(),
                str(amount),
            ],
            ensure_ascii=False,
        )

    def _party_filter(self, role: str, key: str) -> Q:
        if key.startswith("name:"):
            return Q(**{f"{role}_name": key[5:], f"{role}__isnull": True})
        org_id = self.orgs.get(key)
        return Q(**{f"{role}_id": org_id}) if org_id else Q(pk__in=[])

    def stored(self, key: str) -> bool:
        parts = json.loads(key)
        if parts[0] == "number":
            return self.visible.filter(self._party_filter("seller", parts[1]), contract_number=parts[2]).exists()
        _kind, seller, buyer, title, signed_on, amount = parts
        return self.visible.filter(
            self._party_filter("seller", seller),
            self._party_filter("buyer", buyer),
            title=title,
            signed_on=date.fromisoformat(signed_on),
            contract_amount=Decimal(amount),
        ).exists()

    def store(self, values: Mapping[str, Any]) -> Any:
        data: dict[str, Any] = {}
        for name, value in values.items():
            if name in self.choices:
                value = bulk.to_choice(self.choices[name], value)
            elif name == "technology_field_code":
                text = str(value).strip()
                value = self.fields.get(text.lower(), text.zfill(2) if text.isdigit() and len(text) == 1 else text)
            elif name in ("signed_on", "valid_from", "valid_until"):
                value = bulk.date_text(value)
            elif name in ("contract_amount", "technology_amount"):
                value = bulk.money_text(value)
            elif name.endswith("_entity_type_code"):
                value = self.entity_types.get(str(value).strip().lower(), str(value).strip())
            elif name.endswith("_credit_code"):
                continue
            data[name] = value
        for role in ("buyer", "seller"):
            org_id = self._party_id(values, role)
            if org_id is not None:
                data[f"{role}_id"] = org_id
        technology = data.pop("technology_amount", None)
        serializer = ContractCreateInputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        validated = dict(serializer.validated_data)
        if technology not in (None, ""):
            amount = MoneyField(max_digits=16, decimal_places=2)
            try:
                technology_amount = amount.run_validation(technology)
            except ValidationError as exc:
                raise ValidationError({"technology_amount": exc.detail}) from None
            difference = validated["contract_amount"] - technology_amount
            if difference < 0:
                raise ApplicationError(
                    _("The technology amount cannot exceed the contract amount."),
                    code=ContractError.DEDUCTIONS_EXCEED,
                    field_errors={"technology_amount": _("More than the contract amount.")},
                )
            if difference > 0:
                validated["deductions"] = [
                    {"kind": DeductionKind.OTHER, "description": _IMPORT_DEDUCTION_NOTE, "amount": difference}
                ]
        return contract_create(actor=self.actor, data=validated)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(bulk.date_text(value)))
    except ValueError:
        return None


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(bulk.money_text(value))).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def import_report(
    *,
    kind: str,
    actor: User,
    content: bytes,
    filename: str,
    progress: bulk.ProgressCallback | None = None,
    partial: bool = False,
    dry_run: bool = False,
    on_existing: str = "error",
) -> dict[str, Any]:
    """The import behind ``POST contracts/import`` and its background job (``contracts.run_import``)."""
    return bulk.import_file(
        kind=kind,
        content=content,
        filename=filename,
        columns=COLUMNS,
        required=REQUIRED,
        handler=lambda table: ContractRowHandler(actor=actor, table=table),
        max_rows=settings.BULK_IMPORT_MAX_ROWS,
        progress=progress,
        partial=partial,
        dry_run=dry_run,
        on_existing=on_existing,
    )


def queue_import(job_id: int) -> None:
    """Run an import job on a worker (recorded with the job, in its transaction)."""
    effect("contracts.run_import", job_id=job_id)


def import_template() -> bytes:
    columns = bulk.template_columns(COLUMNS, REQUIRED)
    guide = _(
        "One row per signed contract your organisation is a party to. Columns marked * are required. Name a "
        "party on the platform by its credit code, one off the platform by name, region and entity type. "
        "Upload to POST /api/v1/contracts/import."
    )
    return template_xlsx(title="技术合同", columns=columns, note=guide)
