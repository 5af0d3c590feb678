"""Writes of bids (揭榜): a team bids, withdraws, attaches files."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.challenges import rules
from apps.challenges.models import (
    Bid,
    BidAttachment,
    BidStatus,
    Challenge,
    ChallengeStatus,
    FundingMode,
)
from apps.challenges.services.common import (
    ChallengeError,
    invalid_input,
    lock,
    members_of,
)
from apps.core.errors import ApplicationError
from apps.core.evidence import record_evidence, sha256_hex
from apps.listings.services import check_upload
from apps.notifications.services import notify
from apps.organizations.access import actor_memberships
from apps.organizations.models import Organization, OrganizationType

# --- bids --------------------------------------------------------------------------------------


def _check_bidding_open(challenge: Challenge) -> None:
    if challenge.status != ChallengeStatus.OPEN or challenge.bid_deadline <= timezone.now():
        raise ApplicationError(
            _("This challenge does not take bids now: it is not open or its bid deadline has passed."),
            code=ChallengeError.BIDDING_CLOSED,
            status=409,
        )


def _resolve_team(*, actor: User, organization_id: int | None) -> Organization:
    memberships = actor_memberships(actor)
    if organization_id is None:
        candidates = list(
            Organization.objects.filter(pk__in=list(memberships))
            .exclude(type=OrganizationType.MARKET_OPERATOR)
            .values_list("pk", flat=True)
        )
        if len(candidates) != 1:
            raise invalid_input(
                ChallengeError.ORGANIZATION_REQUIRED,
                {"organization_id": _("Name the organisation that bids.")},
                _("Say for which of your organisations you bid (organization_id)."),
            )
        organization_id = candidates[0]
    elif organization_id not in memberships:
        raise invalid_input(
            ChallengeError.NOT_TEAM_MEMBER,
            {"organization_id": _("You are not a member of this organisation.")},
            _("You can only bid for an organisation you belong to."),
        )
    return Organization.objects.get(pk=organization_id)


def _check_team_eligible(*, challenge: Challenge, team: Organization) -> None:
    if team.pk == challenge.issuer_id:
        raise ApplicationError(
            _("The issuing organisation cannot bid on its own challenge."),
            code=ChallengeError.OWN_CHALLENGE,
            status=403,
        )
    if team.type == OrganizationType.MARKET_OPERATOR:
        raise ApplicationError(_("The market operator does not bid."), code=ChallengeError.NOT_ELIGIBLE, status=403)
    if not team.is_verified:
        raise ApplicationError(
            _("The organisation must be verified by the operator before it can bid."),
            code=ChallengeError.TEAM_NOT_VERIFIED,
            status=403,
        )
    if challenge.allowed_organization_types and team.type not in challenge.allowed_organization_types:
        raise ApplicationError(
            _("Organisations of this type may not bid on this challenge."),
            code=ChallengeError.NOT_ELIGIBLE,
            status=403,
            extra={"allowed_organization_types": challenge.allowed_organization_types},
        )


def _check_bid_funding(*, challenge: Challenge, budget_lines: Any, commitment_confirmed: bool) -> list[dict[str, str]]:
    if challenge.funding_mode == FundingMode.LUMP_SUM:
        if budget_lines:
            raise invalid_input(
                ChallengeError.BUDGET_NOT_ALLOWED,
                {"budget_lines": _("A lump-sum (包干制) challenge takes a commitment letter, not a line budget.")},
            )
        if not commitment_confirmed:
            raise invalid_input(
                ChallengeError.COMMITMENT_REQUIRED,
                {"commitment_confirmed": _("Confirm the commitment letter to bid on a lump-sum challenge.")},
            )
        return []
    lines, _total, problems = rules.check_budget_lines(budget_lines, reward=challenge.reward)
    if problems:
        raise invalid_input(ChallengeError.INVALID_BUDGET, problems)
    return lines


@transaction.atomic
def bid_create(*, actor: User, challenge: Challenge, data: Mapping[str, Any]) -> Bid:
    """A team organisation bids (揭榜): one active bid per organisation, while the challenge is open."""
    team = _resolve_team(actor=actor, organization_id=data.get("organization_id"))
    _check_team_eligible(challenge=challenge, team=team)
    # Locked so that a cancellation or an award cannot slip in between this check and the insert.
    locked = lock(challenge)
    _check_bidding_open(locked)
    commitment = bool(data.get("commitment_confirmed", False))
    lines = _check_bid_funding(
        challenge=locked, budget_lines=data.get("budget_lines") or [], commitment_confirmed=commitment
    )
    bid = Bid(
        challenge=locked,
        organization=team,
        submitted_by=actor,
        proposal=data["proposal"],
        team_description=data["team_description"],
        budget_lines=lines,
        commitment_confirmed=commitment and locked.funding_mode == FundingMode.LUMP_SUM,
    )
    try:
        with transaction.atomic():
            bid.save()
    except IntegrityError as exc:
        if "bid_one_active_per_organization" in str(exc):
            raise ApplicationError(
                _("Your organisation already has a bid on this challenge; withdraw it to bid again."),
                code=ChallengeError.DUPLICATE_BID,
                status=409,
            ) from None
        raise
    record_evidence(
        stream="bids",
        subject_type="challenge",
        subject_id=locked.pk,
        event="challenge.bid_submitted",
        payload={
            "bid_id": bid.pk,
            "organization_id": team.pk,
            "proposal_sha256": sha256_hex(bid.proposal.encode("utf-8")),
            "budget_lines": lines,
            "commitment_confirmed": bid.commitment_confirmed,
        },
        actor_id=actor.pk,
    )
    notify(
        recipients=members_of([locked.issuer_id]),
        kind="challenge.bid_submitted",
        title=format_lazy(gettext_lazy("New bid from {team} on {title}"), team=team.name, title=challenge.demand.title),
        target=bid,
    )
    return bid


def check_team_member(*, actor: User, bid: Bid) -> None:
    if bid.organization_id not in actor_memberships(actor):
        raise ApplicationError(
            _("Only members of the bidding organisation may do this."),
            code=ChallengeError.NOT_TEAM_MEMBER,
            status=403,
        )


@transaction.atomic
def bid_withdraw(*, actor: User, bid: Bid) -> Bid:
    check_team_member(actor=actor, bid=bid)
    challenge = Challenge.objects.select_for_update().get(pk=bid.challenge_id)
    _check_bidding_open(challenge)
    now = timezone.now()
    moved = Bid.objects.filter(pk=bid.pk, status=BidStatus.SUBMITTED).update(
        status=BidStatus.WITHDRAWN, withdrawn_at=now, updated_at=now
    )
    if not moved:
        raise ApplicationError(
            _("Only a submitted bid can be withdrawn."), code=ChallengeError.BID_BAD_STATE, status=409
        )
    bid.refresh_from_db()
    record_evidence(
        stream="bids",
        subject_type="challenge",
        subject_id=challenge.pk,
        event="challenge.bid_withdrawn",
        payload={"bid_id": bid.pk, "organization_id": bid.organization_id},
        actor_id=actor.pk,
    )
    return bid


@transaction.atomic
def bid_attachment_add(*, actor: User, bid: Bid, upload: UploadedFile) -> BidAttachment:
    check_team_member(actor=actor, bid=bid)
    locked = Bid.objects.select_for_update().select_related("challenge").get(pk=bid.pk)
    if locked.status != BidStatus.SUBMITTED:
        raise ApplicationError(
            _("Files can only be added to a submitted bid."), code=ChallengeError.BID_BAD_STATE, status=409
        )
    _check_bidding_open(locked.challenge)
    name, content_type = check_upload(upload)
    if BidAttachment.objects.filter(bid=locked).count() >= settings.LISTING_ATTACHMENTS_MAX:
        raise ApplicationError(
            _("A bid can have at most %(n)d attachments.") % {"n": settings.LISTING_ATTACHMENTS_MAX},
            code=ChallengeError.ATTACHMENT_LIMIT,
            status=409,
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = BidAttachment(
        bid=locked,
        original_name=name[:255],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    # Stored under a random name: the client's file name never reaches the file system.
    attachment.file.save(f"{os.urandom(16).hex()}{os.path.splitext(name)[1].lower()}", upload, save=False)
    try:
        attachment.save()
    except Exception:
        if attachment.file.name:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment
