"""Deals in the changes feed (apps.core.changes): the parties' organisations and the brokers in the deal."""

from __future__ import annotations

from apps.core.changes import Audience, register_change_type, register_part
from apps.deals.models import Deal, DealParticipant, ParticipantRole
from apps.deals.selectors import deals_visible_to


def deal_audience(ids: list[int]) -> dict[int, Audience]:
    """Who sees each deal; contracts reuse it for a contract's deal (its brokers see the contract)."""
    orgs = {
        pk: {buyer_id, seller_id}
        for pk, buyer_id, seller_id in Deal.objects.filter(pk__in=ids).values_list("pk", "buyer_id", "seller_id")
    }
    users: dict[int, set[int]] = {pk: set() for pk in orgs}
    brokers = DealParticipant.objects.filter(deal_id__in=ids, role=ParticipantRole.BROKER, broker__isnull=False)
    for deal_id, user_id in brokers.values_list("deal_id", "broker__user_id"):
        users[deal_id].add(user_id)
    return {pk: Audience(organization_ids=frozenset(orgs[pk]), user_ids=frozenset(users[pk])) for pk in orgs}


register_change_type("deal", model=Deal, visible_qs=deals_visible_to, audience=deal_audience, path="deals/{id}")
register_part(DealParticipant, of="deal", record_id=lambda row: row.deal_id)
