"""Writes of the expert pool and of blind reviews: panels drawn with conflicts excluded (回避), scores."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.challenges.models import Bid, BidStatus, Challenge
from apps.contracts.models import Contract, Registration, RegistrationStatus
from apps.core.errors import ApplicationError
from apps.deals.models import Deal
from apps.experts import scoring
from apps.experts.models import (
    ConflictReason,
    Expert,
    ExpertConflict,
    ExpertReview,
    PanelMember,
    PanelStatus,
    ReviewItem,
    ReviewKind,
    ReviewStatus,
    Score,
)
from apps.markets.access import operates, require_network_operator
from apps.markets.models import Market
from apps.organizations.access import AccessError, Actor, admin_organization_ids
from apps.organizations.models import Organization
from apps.reference.models import TechnologyField


class ExpertError(StrEnum):
    UNKNOWN_FIELD = "unknown_technology_field"
    UNKNOWN_MARKET = "unknown_market"
    UNKNOWN_ORGANIZATION = "unknown_organization"
    UNKNOWN_USER = "unknown_user"
    CONFLICT_TARGET = "conflict_target_required"
    BAD_CRITERIA = "bad_criteria"
    NOTHING_TO_REVIEW = "nothing_to_review"
    BELOW_THRESHOLD = "below_expert_review_threshold"
    NOT_ENOUGH_EXPERTS = "not_enough_experts"
    NOT_ON_PANEL = "not_on_panel"
    ALREADY_SUBMITTED = "scores_already_submitted"
    BAD_SCORES = "bad_scores"
    REVIEW_COMPLETE = "review_complete"


def _bad(message: str, code: ExpertError, field: str, status: int = 400) -> ApplicationError:
    return ApplicationError(message, code=code, status=status, field_errors={field: message})


# --- the pool ------------------------------------------------------------------------------------


@transaction.atomic
def expert_create(
    *,
    actor: Actor,
    name: str,
    title: str = "",
    affiliation_id: int | None = None,
    affiliation_text: str = "",
    user_id: int | None = None,
    field_codes: list[str],
    market_codes: list[str] | None = None,
) -> Expert:
    """Add an expert to the pool, shared across the network (the operators of any market)."""
    require_network_operator(actor)
    fields = list(TechnologyField.objects.filter(code__in=field_codes))
    if len(fields) != len(set(field_codes)):
        raise _bad(_("Unknown technology field code."), ExpertError.UNKNOWN_FIELD, "field_codes")
    markets = list(Market.objects.filter(code__in=market_codes or []))
    if len(markets) != len(set(market_codes or [])):
        raise _bad(_("Unknown market code."), ExpertError.UNKNOWN_MARKET, "market_codes")
    if affiliation_id is not None and not Organization.objects.filter(pk=affiliation_id).exists():
        raise _bad(_("Unknown organisation."), ExpertError.UNKNOWN_ORGANIZATION, "affiliation_id")
    if user_id is not None and not User.objects.filter(pk=user_id, is_active=True).exists():
        raise _bad(_("Unknown user."), ExpertError.UNKNOWN_USER, "user_id")
    expert = Expert.objects.create(
        name=name, title=title, affiliation_id=affiliation_id, affiliation_text=affiliation_text, user_id=user_id
    )
    expert.fields.set(fields)
    expert.markets.set(markets)
    return expert


@transaction.atomic
def expert_conflict_add(
    *, actor: Actor, expert: Expert, organization_id: int | None = None, person_name: str = "", reason: str = ""
) -> ExpertConflict:
    """A declared conflict (the expert's own or recorded by an operator): an organisation or a person."""
    if not (getattr(expert, "user_id", None) == getattr(actor, "pk", None) and expert.user_id is not None):
        require_network_operator(actor)
    if organization_id is None and not person_name:
        raise _bad(_("Name an organisation or a person."), ExpertError.CONFLICT_TARGET, "organization_id")
    if organization_id is not None and not Organization.objects.filter(pk=organization_id).exists():
        raise _bad(_("Unknown organisation."), ExpertError.UNKNOWN_ORGANIZATION, "organization_id")
    return ExpertConflict.objects.create(
        expert=expert, organization_id=organization_id, person_name=person_name, reason=reason
    )


# --- conflicts (回避) -------------------------------------------------------------------------------


def collaboration_years() -> int:
    return int(getattr(settings, "EXPERT_COLLABORATION_YEARS", 3))


def conflict_of(expert: Expert, parties: set[int], party_names: set[str]) -> tuple[str, str] | None:
    """Why ``expert`` may not judge these parties, or None: (reason, detail)."""
    if expert.affiliation_id is not None and expert.affiliation_id in parties:
        return ConflictReason.SAME_ORGANIZATION, str(expert.affiliation_id)
    for declared in expert.conflicts.all():
        if declared.organization_id is not None and declared.organization_id in parties:
            return ConflictReason.DECLARED, declared.reason or str(declared.organization_id)
        if declared.person_name and declared.person_name in party_names:
            return ConflictReason.DECLARED, declared.reason or declared.person_name
    if expert.affiliation_id is not None:
        since = timezone.localdate() - timedelta(days=365 * collaboration_years())
        others = parties - {expert.affiliation_id}
        pair = Q(buyer_id=expert.affiliation_id, seller_id__in=others) | Q(
            seller_id=expert.affiliation_id, buyer_id__in=others
        )
        contract = Contract.objects.filter(pair, signed_on__gte=since).values_list("pk", flat=True).first()
        if contract is not None:
            return ConflictReason.RECENT_COLLABORATION, f"contract {contract}"
        deal = Deal.objects.filter(pair, created_at__date__gte=since).values_list("pk", flat=True).first()
        if deal is not None:
            return ConflictReason.RECENT_COLLABORATION, f"deal {deal}"
    return None


def _party_names(parties: set[int]) -> set[str]:
    """The people of the parties (members' names), for conflicts declared against a person."""
    return set(User.objects.filter(memberships__organization_id__in=parties).values_list("name", flat=True))


def _select_panel(review: ExpertReview, *, parties: set[int], field_code: str | None) -> None:
    """Consider the active experts of the field (or every active expert when the field has too few), in
    order of their current load and then seniority in the pool; record each exclusion with its reason and
    select the first ``panel_size`` without a conflict."""
    load = (
        PanelMember.objects.filter(expert=OuterRef("pk"), status=PanelStatus.SELECTED)
        .values("expert")
        .annotate(n=Count("id"))
        .values("n")
    )
    pool = Expert.objects.filter(active=True).prefetch_related("conflicts")
    if field_code is not None:
        pool = pool.filter(fields__code=field_code)
    candidates = pool.annotate(load=Coalesce(Subquery(load), 0)).order_by("load", "pk")
    names = _party_names(parties)
    selected = 0
    for expert in candidates:
        if selected >= review.panel_size:
            break
        found = conflict_of(expert, parties, names)
        if found is not None:
            PanelMember.objects.create(
                review=review, expert=expert, status=PanelStatus.EXCLUDED, conflict_reason=found[0],
                conflict_detail=found[1],
            )  # fmt: skip
            continue
        PanelMember.objects.create(review=review, expert=expert, status=PanelStatus.SELECTED)
        selected += 1
    if selected < review.panel_size:
        raise ApplicationError(
            _("Not enough experts without a conflict: %(found)d of %(wanted)d.")
            % {"found": selected, "wanted": review.panel_size},
            code=ExpertError.NOT_ENOUGH_EXPERTS,
            status=409,
            extra={"available": selected},
        )


def check_criteria(criteria: list[dict[str, Any]]) -> list[dict[str, str]]:
    codes = [c["code"] for c in criteria]
    weights = [Decimal(str(c["weight"])) for c in criteria]
    if len(set(codes)) != len(codes) or not scoring.check_weights(weights):
        raise _bad(
            _("Criteria need distinct codes and positive weights that sum to 1."), ExpertError.BAD_CRITERIA, "criteria"
        )
    return [
        {"code": c["code"], "name": c["name"], "weight": f"{w:.2f}"} for c, w in zip(criteria, weights, strict=True)
    ]


def _code(index: int) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return letters[index] if index < len(letters) else f"Z{index}"


@transaction.atomic
def review_create_for_challenge(
    *, actor: Actor, challenge: Challenge, criteria: list[dict[str, Any]], panel_size: int
) -> ExpertReview:
    """A blind review of a challenge's bids (the operator of the demand's market or the issuer's admin)."""
    market_code = challenge.demand.home_market_id
    if not (operates(actor, market_code) or challenge.issuer_id in admin_organization_ids(actor)):
        raise ApplicationError(
            _("Only the operator or the challenge's issuer may open its expert review."),
            code=AccessError.OPERATOR_ONLY,
            status=403,
        )
    bids = list(Bid.objects.filter(challenge=challenge).exclude(status=BidStatus.WITHDRAWN).order_by("id"))
    if not bids:
        raise _bad(_("The challenge has no bids to review."), ExpertError.NOTHING_TO_REVIEW, "challenge_id", 409)
    review = ExpertReview.objects.create(
        kind=ReviewKind.CHALLENGE_BIDS, challenge=challenge, market_id=market_code,
        title=challenge.demand.title, criteria=check_criteria(criteria), panel_size=panel_size,
        created_by=actor if isinstance(actor, User) else None,
    )  # fmt: skip
    for index, bid in enumerate(bids):
        ReviewItem.objects.create(
            review=review, code=_code(index), bid=bid, organization_id=bid.organization_id, summary=bid.proposal
        )
    parties = {challenge.issuer_id, *(bid.organization_id for bid in bids)}
    _select_panel(review, parties=parties, field_code=challenge.demand.technology_field_id)
    return review


def expert_review_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "EXPERT_REVIEW_THRESHOLD", "5000000")))


@transaction.atomic
def review_create_for_registration(
    *, actor: Actor, registration: Registration, criteria: list[dict[str, Any]], panel_size: int
) -> ExpertReview:
    """A blind expert review of a large registration (declared technology amount ≥ the threshold)."""
    contract = registration.contract
    if not operates(actor, contract.market_id):
        raise ApplicationError(
            _("Only the operator of the contract's market may open its expert review."),
            code=AccessError.OPERATOR_ONLY,
            status=403,
        )
    if registration.status not in (RegistrationStatus.APPLIED, RegistrationStatus.CORRECTION_REQUESTED):
        raise _bad(_("Only a registration awaiting decision is reviewed."), ExpertError.NOTHING_TO_REVIEW,
                   "registration_id", 409)  # fmt: skip
    if registration.declared_technology_amount < expert_review_threshold():
        raise _bad(
            _("Expert review is for technology amounts of at least %(amount)s yuan.")
            % {"amount": f"{expert_review_threshold():,.0f}"},
            ExpertError.BELOW_THRESHOLD,
            "registration_id",
        )
    review = ExpertReview.objects.create(
        kind=ReviewKind.REGISTRATION, registration=registration, market_id=contract.market_id,
        title=contract.title, criteria=check_criteria(criteria), panel_size=panel_size,
        created_by=actor if isinstance(actor, User) else None,
    )  # fmt: skip
    summary = _(
        "%(title)s. Type %(type)s/%(subtype)s; technology field %(field)s; contract amount %(amount)s yuan, "
        "technology amount %(technology)s yuan (declared)."
    ) % {
        "title": contract.title, "type": contract.type, "subtype": contract.subtype,
        "field": contract.technology_field_id, "amount": registration.declared_contract_amount,
        "technology": registration.declared_technology_amount,
    }  # fmt: skip
    ReviewItem.objects.create(review=review, code="A", organization_id=registration.applicant_id, summary=summary)
    parties = {pk for pk in (contract.buyer_id, contract.seller_id) if pk is not None}
    _select_panel(review, parties=parties, field_code=contract.technology_field_id)
    return review


# --- scoring ------------------------------------------------------------------------------------------


@transaction.atomic
def scores_submit(*, actor: Actor, review: ExpertReview, scores: list[dict[str, Any]]) -> PanelMember:
    """A panel member's scores of every item, once; the review completes with the last member's."""
    member = (
        PanelMember.objects.select_for_update()
        .filter(review=review, expert__user_id=getattr(actor, "pk", None) or 0, status=PanelStatus.SELECTED)
        .first()
    )
    if member is None:
        raise ApplicationError(_("You are not on this review's panel."), code=ExpertError.NOT_ON_PANEL, status=403)
    if member.submitted_at is not None:
        raise ApplicationError(_("Your scores are already submitted."), code=ExpertError.ALREADY_SUBMITTED, status=409)
    items = {item.code: item for item in review.items.all()}
    weights = {c["code"]: Decimal(c["weight"]) for c in review.criteria}
    given = {row["item"]: row for row in scores}
    if set(given) != set(items) or len(given) != len(scores):
        raise _bad(_("Score every item once: %(codes)s.") % {"codes": ", ".join(sorted(items))},
                   ExpertError.BAD_SCORES, "scores")  # fmt: skip
    rows = []
    for code, row in given.items():
        values = {name: Decimal(str(value)) for name, value in row["criteria"].items()}
        if set(values) != set(weights) or any(not (0 <= v <= 100) for v in values.values()):
            raise _bad(
                _("Item %(code)s: score each criterion (%(criteria)s) from 0 to 100.")
                % {"code": code, "criteria": ", ".join(weights)},
                ExpertError.BAD_SCORES,
                "scores",
            )
        rows.append(
            Score(
                member=member, item=items[code], criteria={k: f"{v:.2f}" for k, v in values.items()},
                total=scoring.weighted_total(weights, values), comment=row.get("comment", ""),
            )
        )  # fmt: skip
    Score.objects.bulk_create(rows)
    member.submitted_at = timezone.now()
    member.save(update_fields=["submitted_at"])
    locked = ExpertReview.objects.select_for_update().get(pk=review.pk)
    waiting = PanelMember.objects.filter(review=locked, status=PanelStatus.SELECTED, submitted_at__isnull=True)
    if not waiting.exists() and locked.status != ReviewStatus.COMPLETE:
        ExpertReview.objects.filter(pk=locked.pk).update(status=ReviewStatus.COMPLETE, completed_at=timezone.now())
    return member
