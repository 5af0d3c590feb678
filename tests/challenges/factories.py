"""Builders for challenges: a published demand, a challenge in any state, bids and awarded races.

The states are reached through the services (so the rules and the decision log are the real ones),
except where a test needs time to have passed: ``close_bidding`` moves the bid deadline into the past.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.accounts.models import User
from apps.challenges.models import Bid, Challenge, ChallengeMode, FundingMode
from apps.challenges.services import bid_create, challenge_award, challenge_create, challenge_review, challenge_submit
from apps.listings.models import Demand, ListingStatus
from apps.listings.services import demand_create
from apps.organizations.models import Organization, OrganizationType
from tests.factories import OrganizationFactory, member_of, operator_user

_counter = iter(range(1, 10**9))


def published_demand(*, actor: User) -> Demand:
    """A demand of the actor's organisation, published (set directly: its review is tested elsewhere)."""
    n = next(_counter)
    demand = demand_create(
        actor=actor,
        data={
            "title": f"新能源汽车电池热管理技术需求{n}",
            "description": f"需要一套电池包热管理方案，编号{n}。",
            "technology_field": "03",
            "cooperation_modes": ["transfer"],
            "deadline": timezone.localdate() + timedelta(days=90),
        },
    )
    Demand.objects.filter(pk=demand.pk).update(status=ListingStatus.PUBLISHED, published_at=timezone.now())
    demand.refresh_from_db()
    return demand


def challenge_terms(**overrides: Any) -> dict[str, Any]:
    terms: dict[str, Any] = {
        "reward": Decimal("1000000.00"),
        "enterprise_funding": Decimal("600000.00"),
        "government_funding": Decimal("400000.00"),
        "indicators": [
            {"name": "能量密度", "target": 300, "unit": "Wh/kg", "comparison": "≥"},
            {"name": "温差", "target": 2.5, "unit": "℃", "comparison": "≤"},
        ],
        "eligibility": "在中国境内注册的高校、科研院所或企业。",
        "bid_deadline": timezone.now() + timedelta(days=30),
        "mode": ChallengeMode.SINGLE,
        "funding_mode": FundingMode.BUDGETED,
    }
    terms.update(overrides)
    return terms


def issuer_member(**user_kwargs: Any) -> User:
    return member_of(OrganizationFactory(), **user_kwargs)


def draft_challenge(*, issuer: User | None = None, **overrides: Any) -> Challenge:
    issuer = issuer or issuer_member()
    demand = published_demand(actor=issuer)
    return challenge_create(actor=issuer, data={"demand_id": demand.pk, **challenge_terms(**overrides)})


def open_challenge(*, issuer: User | None = None, operator: User | None = None, **overrides: Any) -> Challenge:
    challenge = draft_challenge(issuer=issuer, **overrides)
    assert challenge.created_by is not None
    challenge = challenge_submit(actor=challenge.created_by, challenge=challenge)
    return challenge_review(actor=operator or operator_user(), challenge=challenge, approve=True)


def race_challenge(*, teams: int = 3, **overrides: Any) -> Challenge:
    return open_challenge(mode=ChallengeMode.RACE, race_team_count=teams, **overrides)


def team(*, org_type: str = OrganizationType.UNIVERSITY, **org_kwargs: Any) -> tuple[Organization, User]:
    organization = OrganizationFactory(type=org_type, entity_type_id="022", **org_kwargs)
    return organization, member_of(organization)


def budget(*amounts: str) -> list[dict[str, Any]]:
    return [{"item": f"费用{i}", "amount": Decimal(a)} for i, a in enumerate(amounts, start=1)]


def bid_on(challenge: Challenge, *, member: User | None = None, **data: Any) -> Bid:
    if member is None:
        _org, member = team()
    payload: dict[str, Any] = {
        "proposal": "采用液冷板与相变材料复合方案。",
        "team_description": "电池热管理课题组，8 人。",
    }
    if challenge.funding_mode == FundingMode.LUMP_SUM:
        payload["commitment_confirmed"] = True
    else:
        payload["budget_lines"] = budget("300000.00", "200000.00")
    payload.update(data)
    return bid_create(actor=member, challenge=challenge, data=payload)


def close_bidding(challenge: Challenge) -> Challenge:
    """The bid deadline has passed."""
    Challenge.objects.filter(pk=challenge.pk).update(bid_deadline=timezone.now() - timedelta(minutes=1))
    challenge.refresh_from_db()
    return challenge


def awarded_race(*, teams: int = 3, bids: int | None = None) -> tuple[Challenge, list[Bid]]:
    """A race whose ``teams`` winning bids are active (ordered by id); extra bids are not awarded."""
    challenge = race_challenge(teams=max(teams, 2))
    made = [bid_on(challenge) for _ in range(bids or teams)]
    close_bidding(challenge)
    winners = made[:teams]
    assert challenge.created_by is not None
    challenge = challenge_award(actor=challenge.created_by, challenge=challenge, bid_ids=[b.pk for b in winners])
    return challenge, sorted(winners, key=lambda b: b.pk)
