"""Reads of the expert pool and blind reviews.

Who sees what: the pool is read by the operators (of any market: the pool is shared across the
network); a review by the operator of its market, the challenge's issuer, and the experts on its panel.
An expert sees the items anonymised (codes, no names) and only its own scores; the results (with the
bidders' names) are shown to the operator and the issuer once every panel member has submitted.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.experts import scoring
from apps.experts.models import Expert, ExpertReview, PanelMember, PanelStatus, ReviewStatus, Score
from apps.markets.access import (
    is_network_operator,
    market_scope,
    operated_market_codes,
    operates,
    require_network_operator,
)
from apps.organizations.access import Actor, organization_ids


def expert_list(*, actor: Actor, field: str | None = None) -> QuerySet[Expert]:
    require_network_operator(actor)
    qs = Expert.objects.select_related("affiliation").prefetch_related("fields", "markets").order_by("id")
    if field:
        qs = qs.filter(fields__code=field)
    return qs


def access_expert(*, actor: Actor, pk: Any) -> Expert:
    expert = Expert.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if expert is None:
        raise Http404
    if expert.user_id is not None and expert.user_id == getattr(actor, "pk", None):
        return expert
    require_network_operator(actor)
    return expert


def review_visible_qs(actor: Actor) -> QuerySet[ExpertReview]:
    if operated_market_codes(actor) is None:  # the global operator
        return ExpertReview.objects.all()
    user_id = getattr(actor, "pk", None)
    panel = Q(panel__expert__user_id=user_id, panel__status=PanelStatus.SELECTED) if user_id else Q(pk__in=[])
    orgs = organization_ids(actor)
    operated = market_scope(actor, "market") if is_network_operator(actor) else Q(pk__in=[])
    issuer = Q(challenge__issuer_id__in=orgs) if orgs else Q(pk__in=[])
    return ExpertReview.objects.filter(operated | panel | issuer).distinct()


def access_review(*, actor: Actor, pk: Any) -> ExpertReview:
    review = review_visible_qs(actor).filter(pk=pk).first() if str(pk).isdigit() else None
    if review is None:
        raise Http404
    return review


def panel_role(actor: Actor, review: ExpertReview) -> str:
    """``manager`` (operator of its market or the challenge's issuer) or ``expert``."""
    if operates(actor, review.market_id) or (getattr(review.challenge, "issuer_id", None) in organization_ids(actor)):
        return "manager"
    return "expert"


def my_membership(*, actor: Actor, review: ExpertReview) -> PanelMember | None:
    return PanelMember.objects.filter(
        review=review, expert__user_id=getattr(actor, "pk", None) or 0, status=PanelStatus.SELECTED
    ).first()


def review_panel(*, actor: Actor, review: ExpertReview) -> QuerySet[PanelMember]:
    """The panel with the exclusions (回避) and their reasons: for the operator and the issuer only."""
    if panel_role(actor, review) != "manager":
        raise ApplicationError(_("The panel is shown to the review's organisers."), code="not_organizer", status=403)
    return PanelMember.objects.filter(review=review).select_related("expert").order_by("id")


def my_scores(*, actor: Actor, review: ExpertReview) -> QuerySet[Score]:
    member = my_membership(actor=actor, review=review)
    if member is None:
        return Score.objects.none()
    return Score.objects.filter(member=member).select_related("item").order_by("item__code")


def review_results(*, actor: Actor, review: ExpertReview) -> list[dict[str, Any]]:
    """Per item: the result (mean, or trimmed mean from 5 scores), how it was taken, each expert's total
    under a panel code (E1, E2 …), and who is behind the item. Only for the organisers, only when complete."""
    if panel_role(actor, review) != "manager":
        raise ApplicationError(_("The results are shown to the review's organisers."), code="not_organizer", status=403)
    if review.status != ReviewStatus.COMPLETE:
        raise ApplicationError(
            _("The results are shown once every panel member has submitted."), code="scores_pending", status=409
        )
    members = list(PanelMember.objects.filter(review=review, status=PanelStatus.SELECTED).order_by("id"))
    label = {m.pk: f"E{index + 1}" for index, m in enumerate(members)}
    rows = []
    for item in review.items.select_related("organization").prefetch_related("scores"):
        totals = {label[s.member_id]: s.total for s in item.scores.all()}
        result, method = scoring.aggregate(list(totals.values()))
        rows.append(
            {
                "code": item.code,
                "bid_id": item.bid_id,
                "organization_name": item.organization.name if item.organization else "",
                "result": result,
                "method": method,
                "totals": dict(sorted(totals.items())),
            }
        )
    return sorted(rows, key=lambda row: (-row["result"], row["code"]))
