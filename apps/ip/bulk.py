"""Bulk import and export of IP assets (知识产权批量导入导出).

Each row goes through the API's input serializer and :func:`apps.ip.services.ip_asset_create`, so an import
refuses exactly what a single create refuses (patent check digits, the type digit against the kind, ZL
numbers, IPC symbols, dates) and records the same legal history. An organisation imports assets it owns:
the owner is named by its credit code, or left out when the caller belongs to one organisation.

A row's stable key is the natural key: the application number of a patent (unique in the register), else
the registration number, else the owner, kind and title. Re-importing the same file stores nothing twice.
(Once IP assets carry an ``external_id``, a row that has one is keyed by ``(owner, external_id)`` in
:meth:`AssetRowHandler.key`/``stored``.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core import bulk
from apps.core.effects import effect
from apps.core.errors import ApplicationError
from apps.core.spreadsheets import template_xlsx
from apps.core.validators import credit_code_problem
from apps.ip.apis import IPAssetInputSerializer
from apps.ip.models import IPAsset, IPAssetKind, LegalStatus
from apps.ip.services import IPAssetError, ip_asset_create
from apps.organizations.access import organization_ids
from apps.organizations.models import Organization

KIND_SYNONYMS = {
    "发明专利": IPAssetKind.INVENTION,
    "发明": IPAssetKind.INVENTION,
    "实用新型": IPAssetKind.UTILITY_MODEL,
    "实用新型专利": IPAssetKind.UTILITY_MODEL,
    "外观设计": IPAssetKind.DESIGN,
    "外观设计专利": IPAssetKind.DESIGN,
    "软件著作权": IPAssetKind.SOFTWARE_COPYRIGHT,
    "计算机软件著作权": IPAssetKind.SOFTWARE_COPYRIGHT,
    "软著": IPAssetKind.SOFTWARE_COPYRIGHT,
    "集成电路布图设计": IPAssetKind.IC_LAYOUT,
    "植物新品种": IPAssetKind.PLANT_VARIETY,
    "其他": IPAssetKind.OTHER,
}
STATUS_SYNONYMS = {
    "审中": LegalStatus.PENDING,
    "实审": LegalStatus.PENDING,
    "在审": LegalStatus.PENDING,
    "有效": LegalStatus.GRANTED,
    "授权": LegalStatus.GRANTED,
    "已授权": LegalStatus.GRANTED,
    "驳回": LegalStatus.REJECTED,
    "撤回": LegalStatus.REJECTED,
    "失效": LegalStatus.LAPSED,
    "未缴年费": LegalStatus.LAPSED,
    "期满": LegalStatus.EXPIRED,
    "期限届满": LegalStatus.EXPIRED,
    "无效": LegalStatus.INVALIDATED,
    "全部无效": LegalStatus.INVALIDATED,
}
# The labels the template's drop-downs offer (and the importer reads back).
KIND_LABELS = ["发明专利", "实用新型", "外观设计", "软件著作权", "集成电路布图设计", "植物新品种", "其他"]
STATUS_LABELS = ["审中", "有效", "驳回", "失效", "期满", "无效"]

COLUMNS = (
    bulk.BulkColumn(
        "owner_credit_code",
        "权利人统一社会信用代码",
        ("所属机构统一社会信用代码", "统一社会信用代码", "信用代码", "owner"),
        gettext_lazy("Your organisation's unified social credit code; may be left out if you belong to one only."),
    ),
    bulk.BulkColumn(
        "kind",
        "类型",
        ("知识产权类型", "专利类型", "类别"),
        gettext_lazy("Pick from the list."),
        True,
        lambda: KIND_LABELS,
    ),
    bulk.BulkColumn("title", "名称", ("专利名称", "发明名称", "标题", "成果名称"), gettext_lazy("Text."), True),
    bulk.BulkColumn(
        "application_number",
        "申请号",
        ("专利申请号",),
        gettext_lazy("Patents: e.g. 201710601862.3 (check digit checked)."),
    ),
    bulk.BulkColumn("patent_number", "专利号", (), gettext_lazy("ZL followed by the application number.")),
    bulk.BulkColumn("publication_number", "公开号", ("公告号", "公开（公告）号"), gettext_lazy("e.g. CN102822194B.")),
    bulk.BulkColumn(
        "registration_number", "登记号", ("证书号", "登记证号"), gettext_lazy("Software copyright: e.g. 2019SR1234567.")
    ),
    bulk.BulkColumn("ipc_main", "主分类号", ("IPC主分类号", "IPC"), gettext_lazy("e.g. A61K 31/495.")),
    bulk.BulkColumn("ipc_codes", "其他分类号", ("IPC分类号",), gettext_lazy("Further IPC symbols separated by ；.")),
    bulk.BulkColumn(
        "filing_date", "申请日", ("申请日期",), gettext_lazy("An Excel date, or 2017-08-01 / 2017年8月1日.")
    ),
    bulk.BulkColumn(
        "grant_date",
        "授权日",
        ("授权公告日", "授权日期"),
        gettext_lazy("An Excel date, or 2019-05-10 / 2019年5月10日."),
    ),
    bulk.BulkColumn(
        "legal_status",
        "法律状态",
        ("状态",),
        gettext_lazy("Pick from the list; default pending."),
        False,
        lambda: STATUS_LABELS,
    ),
    bulk.BulkColumn(
        "co_owners",
        "共有人",
        ("共同权利人", "共同专利权人"),
        gettext_lazy("Further holders separated by ；: an organisation's credit code, or a person's name."),
    ),
)
REQUIRED = ("kind", "title")


def _kind_lookup() -> dict[str, str]:
    return bulk.choice_lookup(IPAssetKind.choices, KIND_SYNONYMS)


def _status_lookup() -> dict[str, str]:
    return bulk.choice_lookup(LegalStatus.choices, STATUS_SYNONYMS)


class AssetRowHandler:
    """One row → ``ip_asset_create`` for one of the caller's organisations."""

    error_fields: Mapping[str, str] = {"owner_id": "owner_credit_code", "owner": "owner_credit_code"}

    def __init__(self, *, actor: User, table: bulk.Table) -> None:
        self.actor = actor
        self.serializer = IPAssetInputSerializer  # the API's own rules for each field
        self.member_ids = organization_ids(actor)
        codes = {str(r.values.get("owner_credit_code", "")).strip().upper() for r in table.records}
        for record in table.records:
            codes.update(c.upper() for c in bulk.split_list(record.values.get("co_owners", "")) if _is_credit(c))
        self.orgs = dict(Organization.objects.filter(credit_code__in=codes - {""}).values_list("credit_code", "pk"))
        self.kinds = _kind_lookup()
        self.statuses = _status_lookup()

    def _owner_id(self, values: Mapping[str, Any]) -> int | None:
        code = str(values.get("owner_credit_code", "") or "").strip().upper()
        if not code:
            return None
        owner_id = self.orgs.get(code)
        if owner_id is None or owner_id not in self.member_ids:
            # Unknown and someone else's read the same: an import does not reveal who is registered.
            raise ApplicationError(
                _("You can import assets only for your own organisations."),
                code=IPAssetError.NOT_OWNER_MEMBER,
                status=403,
                field_errors={"owner_credit_code": _("Not one of your organisations.")},
            )
        return owner_id

    def key(self, values: Mapping[str, Any]) -> str | None:
        application = str(values.get("application_number", "") or "").strip().upper()
        if application:
            return f"application:{application}"
        registration = str(values.get("registration_number", "") or "").strip().upper()
        owner = str(values.get("owner_credit_code", "") or "").strip().upper()
        if registration:
            return f"registration:{owner}:{registration}"
        text = "\x1f".join([owner, str(values.get("kind", "")), str(values.get("title", "")).strip()])
        return "content:" + hashlib.sha256(text.encode()).hexdigest()

    def stored(self, key: str) -> bool:
        kind, _sep, rest = key.partition(":")
        mine = IPAsset.objects.filter(owner_id__in=self.member_ids)
        if kind == "application":
            return mine.filter(application_number=rest).exists()
        if kind == "registration":
            owner, _sep, number = rest.partition(":")
            owner_id = self.orgs.get(owner)
            qs = mine.filter(registration_number__iexact=number)
            return (qs.filter(owner_id=owner_id) if owner_id else qs).exists()
        return False  # a content key is only compared within the file

    def store(self, values: Mapping[str, Any]) -> IPAsset:
        data: dict[str, Any] = {}
        for name, value in values.items():
            if name == "owner_credit_code":
                continue
            if name == "kind":
                value = bulk.to_choice(self.kinds, value)
            elif name == "legal_status":
                value = bulk.to_choice(self.statuses, value)
            elif name in ("filing_date", "grant_date"):
                value = bulk.date_text(value)
            elif name == "ipc_codes":
                value = bulk.split_list(value)
            elif name == "co_owners":
                value = [self._co_owner(entry) for entry in bulk.split_list(value)]
            elif name in ("application_number", "patent_number", "publication_number"):
                value = str(value).strip().upper()
            data[name] = value
        owner_id = self._owner_id(values)
        if owner_id is not None:
            data["owner_id"] = owner_id
        serializer = self.serializer(data=data)
        serializer.is_valid(raise_exception=True)
        return ip_asset_create(actor=self.actor, data=serializer.validated_data)

    def _co_owner(self, entry: Any) -> dict[str, Any]:
        text = str(entry).strip()
        if _is_credit(text) and text.upper() in self.orgs:
            return {"organization_id": self.orgs[text.upper()]}
        return {"name": text}


def _is_credit(text: str) -> bool:
    return len(text) == 18 and credit_code_problem(text.upper()) is None


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
    """The import behind ``POST ip-assets/import`` and its background job (``ip.run_import``)."""
    return bulk.import_file(
        kind=kind,
        content=content,
        filename=filename,
        columns=COLUMNS,
        required=REQUIRED,
        handler=lambda table: AssetRowHandler(actor=actor, table=table),
        max_rows=settings.BULK_IMPORT_MAX_ROWS,
        progress=progress,
        partial=partial,
        dry_run=dry_run,
        on_existing=on_existing,
    )


def queue_import(job_id: int) -> None:
    """Run an import job on a worker (recorded with the job, in its transaction)."""
    effect("ip.run_import", job_id=job_id)


def import_template() -> bytes:
    columns = bulk.template_columns(COLUMNS, REQUIRED)
    guide = _(
        "One row per patent, software copyright or other right your organisation holds. Columns marked * are "
        "required; patents need their application number. Upload to POST /api/v1/ip-assets/import."
    )
    return template_xlsx(title="知识产权", columns=columns, note=guide)
