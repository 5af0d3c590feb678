"""The export of registered contracts for the national network (全国技术合同管理与服务系统).

One record per registration whose ``registered`` event falls in the window, with its current status and
recognised amounts (a later change, termination or annulment shows in ``status`` and the amounts). The
fields, their order and meaning are documented in docs/network.md; JSON Lines carries the field names,
CSV the Chinese headers of the same fields. Operators only: the global operator exports the network (or
one market), a market operator the markets it operates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from apps.contracts.models import Registration, RegistrationEvent, RegistrationEventKind
from apps.core.errors import ApplicationError
from apps.core.exporting import csv_chunks
from apps.markets.access import market_scope, require_network_operator
from apps.organizations.access import Actor

FORMAT_VERSION = "1"
# Field name → CSV header (中文), in the order of the documented format.
FIELDS: dict[str, str] = {
    "format_version": "格式版本",
    "registration_number": "登记号",
    "market_code": "登记机构代码",
    "market_name": "登记机构",
    "registered_on": "登记日期",
    "status": "登记状态",
    "rule_set": "认定规则版本",
    "contract_title": "合同名称",
    "contract_number": "合同编号",
    "contract_type": "合同类型",
    "contract_subtype": "合同子类",
    "legacy_class": "合同类别（四类）",
    "technology_field": "技术领域代码",
    "ip_type": "知识产权类型",
    "programme_class": "计划类别",
    "signed_on": "签订日期",
    "valid_from": "生效日期",
    "valid_until": "终止日期",
    "seller_name": "卖方名称",
    "seller_credit_code": "卖方统一社会信用代码",
    "seller_country": "卖方国别代码",
    "seller_region": "卖方所在地区代码",
    "seller_entity_type": "卖方单位性质代码",
    "buyer_name": "买方名称",
    "buyer_credit_code": "买方统一社会信用代码",
    "buyer_country": "买方国别代码",
    "buyer_region": "买方所在地区代码",
    "buyer_entity_type": "买方单位性质代码",
    "is_import": "技术引进",
    "contract_amount": "合同成交额（元）",
    "technology_amount": "技术交易额（元）",
}
MAX_DAYS = 366


class NetworkExportError:
    BAD_RANGE = "bad_date_range"


def registered_contracts(*, actor: Actor, date_from: date, date_to: date, market: str | None = None) -> QuerySet[Any]:
    """The registrations registered in ``date_from``..``date_to`` (inclusive) of the actor's markets."""
    require_network_operator(actor)
    if date_to < date_from or (date_to - date_from).days >= MAX_DAYS:
        message = _("Give a window of at most one year that does not end before it starts.")
        raise ApplicationError(message, code=NetworkExportError.BAD_RANGE, field_errors={"date_from": message})
    registered_on = RegistrationEvent.objects.filter(
        registration=OuterRef("pk"), kind=RegistrationEventKind.REGISTERED
    ).values("effective_on")[:1]
    qs = (
        Registration.objects.filter(registration_number__isnull=False)
        .annotate(registered_on=Subquery(registered_on))
        .filter(registered_on__gte=date_from, registered_on__lte=date_to)
        .filter(market_scope(actor, "contract__market"))
        .select_related("contract", "contract__seller", "contract__buyer", "contract__market", "rule_set")
        .order_by("registered_on", "id")
    )
    if market:
        qs = qs.filter(contract__market_id=market)
    return qs


def _record(registration: Registration) -> dict[str, Any]:
    contract = registration.contract
    market = contract.market
    return {
        "format_version": FORMAT_VERSION,
        "registration_number": registration.registration_number,
        "market_code": contract.market_id or "",
        "market_name": market.name_zh if market else "",
        "registered_on": registration.registered_on,  # type: ignore[attr-defined]
        "status": registration.status,
        "rule_set": registration.rule_set.version,
        "contract_title": contract.title,
        "contract_number": contract.contract_number,
        "contract_type": contract.type,
        "contract_subtype": contract.subtype,
        "legacy_class": contract.legacy_class,
        "technology_field": contract.technology_field_id,
        "ip_type": contract.ip_type,
        "programme_class": contract.programme_class,
        "signed_on": contract.signed_on,
        "valid_from": contract.valid_from,
        "valid_until": contract.valid_until,
        "seller_name": contract.seller_name,
        "seller_credit_code": contract.seller.credit_code if contract.seller else "",
        "seller_country": contract.seller_country_id,
        "seller_region": contract.seller_region_id or "",
        "seller_entity_type": contract.seller_entity_type_id,
        "buyer_name": contract.buyer_name,
        "buyer_credit_code": contract.buyer.credit_code if contract.buyer else "",
        "buyer_country": contract.buyer_country_id,
        "buyer_region": contract.buyer_region_id or "",
        "buyer_entity_type": contract.buyer_entity_type_id,
        "is_import": contract.is_import,
        "contract_amount": registration.recognised_contract_amount,
        "technology_amount": registration.recognised_technology_amount,
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def jsonl_chunks(registrations: Iterable[Registration]) -> Iterator[bytes]:
    """One JSON object a line (UTF-8, no ASCII escaping), amounts as decimal strings with two places."""
    for registration in registrations:
        record = {name: _json_value(value) for name, value in _record(registration).items()}
        yield (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def csv_export_chunks(registrations: Iterable[Registration]) -> Iterator[bytes]:
    def rows() -> Iterator[list[Any]]:
        for registration in registrations:
            record = _record(registration)
            record["is_import"] = "是" if record["is_import"] else "否"
            yield [record[name] for name in FIELDS]

    return csv_chunks(list(FIELDS.values()), rows())
