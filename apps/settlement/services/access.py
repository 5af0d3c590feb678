"""Which side of a contract the actor acts for (the contract itself was fetched visible, or 404)."""

from __future__ import annotations

from apps.contracts.models import Contract
from apps.organizations.access import Actor, is_operator, organization_ids


def is_buyer(actor: Actor, contract: Contract) -> bool:
    return contract.buyer_id is not None and contract.buyer_id in organization_ids(actor)


def is_seller(actor: Actor, contract: Contract) -> bool:
    return contract.seller_id is not None and contract.seller_id in organization_ids(actor)


def is_party_or_operator(actor: Actor, contract: Contract) -> bool:
    return is_operator(actor) or is_buyer(actor, contract) or is_seller(actor, contract)
