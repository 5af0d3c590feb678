"""Reads of post-subsidies. Policies and rounds are public to signed-in users; a claim is seen by its
enterprise's members and the operator (others: 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from apps.organizations.access import Actor, is_operator, organization_ids
from apps.subsidies.models import ClaimedContract, SubsidyClaim, SubsidyPolicy, SubsidyRound


def _get(qs: QuerySet[Any], pk: Any) -> Any:
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def policy_list(*, actor: Actor, status: str | None = None) -> QuerySet[SubsidyPolicy]:
    qs = SubsidyPolicy.objects.all()
    return qs.filter(status=status) if status else qs


def access_policy(*, actor: Actor, pk: Any) -> SubsidyPolicy:
    policy: SubsidyPolicy = _get(SubsidyPolicy.objects.all(), pk)
    return policy


def round_list(*, actor: Actor) -> QuerySet[SubsidyRound]:
    return SubsidyRound.objects.select_related("policy")


def access_round(*, actor: Actor, pk: Any) -> SubsidyRound:
    found: SubsidyRound = _get(round_list(actor=actor), pk)
    return found


def claim_visible_qs(actor: Actor) -> QuerySet[SubsidyClaim]:
    qs = SubsidyClaim.objects.select_related("round", "policy", "enterprise", "disbursement")
    if is_operator(actor):
        return qs
    return qs.filter(enterprise_id__in=organization_ids(actor))


def claim_list(*, actor: Actor, status: str | None = None, round_id: int | None = None) -> QuerySet[SubsidyClaim]:
    qs = claim_visible_qs(actor)
    if status:
        qs = qs.filter(status=status)
    if round_id:
        qs = qs.filter(round_id=round_id)
    return qs


def access_claim(*, actor: Actor, pk: Any) -> SubsidyClaim:
    claim: SubsidyClaim = _get(claim_visible_qs(actor), pk)
    return claim


def claimed_contract_ids(claim: SubsidyClaim) -> list[int]:
    return list(
        ClaimedContract.objects.filter(claim=claim).order_by("contract_id").values_list("contract_id", flat=True)
    )
