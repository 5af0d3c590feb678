"""Contracts and registrations in the changes feed (apps.core.changes).

A contract is seen by its parties and the brokers of its deal; its registration by the same. A payment
or a registration shows in the contract resource (paid amount, registration status), so they are
recorded as changes of the contract too.
"""

from __future__ import annotations

from apps.contracts.models import Contract, Payment, Registration
from apps.contracts.selectors import contract_visible_qs, registration_visible_qs
from apps.core.changes import Audience, register_change_type, register_part
from apps.deals.models import DealParticipant, ParticipantRole


def _audiences(rows: list[tuple[int, int | None, int | None, int | None]]) -> dict[int, Audience]:
    """Audiences of (id, buyer, seller, deal) rows: the parties' organisations and the deal's brokers."""
    brokers: dict[int, set[int]] = {}
    deal_ids = {deal_id for *_rest, deal_id in rows if deal_id is not None}
    if deal_ids:
        links = DealParticipant.objects.filter(deal_id__in=deal_ids, role=ParticipantRole.BROKER, broker__isnull=False)
        for deal_id, user_id in links.values_list("deal_id", "broker__user_id"):
            brokers.setdefault(deal_id, set()).add(user_id)
    return {
        pk: Audience(
            organization_ids=frozenset(o for o in (buyer_id, seller_id) if o is not None),
            user_ids=frozenset(brokers.get(deal_id, ()) if deal_id is not None else ()),
        )
        for pk, buyer_id, seller_id, deal_id in rows
    }


def _contract_audience(ids: list[int]) -> dict[int, Audience]:
    return _audiences(list(Contract.objects.filter(pk__in=ids).values_list("pk", "buyer_id", "seller_id", "deal_id")))


def _registration_audience(ids: list[int]) -> dict[int, Audience]:
    rows = Registration.objects.filter(pk__in=ids).values_list(
        "pk", "contract__buyer_id", "contract__seller_id", "contract__deal_id"
    )
    return _audiences(list(rows))


register_change_type(
    "contract", model=Contract, visible_qs=contract_visible_qs, audience=_contract_audience, path="contracts/{id}"
)
register_change_type(
    "registration",
    model=Registration,
    visible_qs=registration_visible_qs,
    audience=_registration_audience,
    path="registrations/{id}",
)
register_part(Payment, of="contract", record_id=lambda row: row.contract_id)
# The brokers of a contract's deal see the contract and its registration: joining or leaving changes who does.
register_part(
    DealParticipant,
    of="contract",
    record_id=lambda row: Contract.objects.filter(deal_id=row.deal_id).values_list("pk", flat=True),
)
register_part(
    DealParticipant,
    of="registration",
    record_id=lambda row: Registration.objects.filter(contract__deal_id=row.deal_id).values_list("pk", flat=True),
)
register_part(Registration, of="contract", record_id=lambda row: row.contract_id)
