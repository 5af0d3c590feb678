"""Reads of matches, scoped to the acting user.

Who sees a match (anyone else gets a 404):
- members of the demand's organisation and of the achievement's organisation (the two owners);
- verified brokers whose specialty fields include the demand's or the achievement's technology field
  ("their brokers": the brokers who follow that field and bring such parties together), while both
  listings are published (a withdrawn or expired listing's matches are as hidden from them as its detail);
- the market operator.
A listing's match list follows the listing's visibility (a draft or withdrawn listing's list is a 404
wherever its detail is) and is open to its owner's members, the brokers following its field and the
operator; an owner of a matched counterpart reads that one match through ``matches/{id}``.

A broker outside both organisations who dismisses a match sets it aside for that broker alone
(:class:`~apps.matching.models.BrokerMatchDismissal`): it leaves that broker's lists (it is listed with
``state=dismissed``) and the parties' match keeps its state. Every match read carries ``dismissed_by_me``.
Such a broker's ``viewed`` and ``contacted`` are that broker's own progress too
(:class:`~apps.matching.models.BrokerMatchMark`, read as ``my_progress``): the parties' state says what the
two organisations did, not what a broker did.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db.models import BooleanField, CharField, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.http import Http404
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.listings.models import Achievement, Demand, ListingStatus
from apps.listings.selectors import listing_visible_qs
from apps.matching.models import BrokerMatchDismissal, BrokerMatchMark, ListingKind, Match, MatchState
from apps.organizations.access import Actor, is_operator, organization_ids, require_operator

_BROKER_FIELDS_ATTR = "_market_broker_fields"


def broker_field_codes(actor: Actor | None) -> set[str]:
    """Technology fields the actor follows as a verified broker (empty for anyone else); cached per user."""
    if not isinstance(actor, User) or not actor.is_authenticated:
        return set()
    cached = getattr(actor, _BROKER_FIELDS_ATTR, None)
    if cached is None:
        from apps.brokers.models import Broker, BrokerStatus

        cached = set(
            Broker.objects.filter(user=actor, status=BrokerStatus.VERIFIED).values_list("fields__code", flat=True)
        ) - {None}
        setattr(actor, _BROKER_FIELDS_ATTR, cached)
    return cached


def following_brokers(*, field_codes: set[str]) -> dict[str, list[User]]:
    """{field code: active users of the verified brokers who follow it}."""
    from apps.brokers.models import Broker, BrokerStatus

    result: dict[str, list[User]] = {}
    rows = list(
        Broker.objects.filter(
            status=BrokerStatus.VERIFIED, fields__code__in=field_codes, user__is_active=True
        ).values_list("fields__code", "user")
    )
    users = {u.pk: u for u in User.objects.filter(pk__in={uid for _c, uid in rows})}
    for code, user_id in rows:
        result.setdefault(code, []).append(users[user_id])
    return result


def dismissed_by_me(actor: Actor) -> Exists | Value:
    """Whether the actor, a broker outside both organisations, set the match aside (``dismissed_by_me``)."""
    if not isinstance(actor, User) or not actor.is_authenticated:
        return Value(False, output_field=BooleanField())
    return Exists(BrokerMatchDismissal.objects.filter(match_id=OuterRef("pk"), user_id=actor.pk))


def my_progress(actor: Actor) -> Subquery | Value:
    """The actor's own ``viewed``/``contacted`` mark on the match (a broker outside both organisations), or null."""
    if not isinstance(actor, User) or not actor.is_authenticated:
        return Value(None, output_field=CharField())
    return Subquery(BrokerMatchMark.objects.filter(match_id=OuterRef("pk"), user_id=actor.pk).values("state")[:1])


def is_match_party(*, actor: Actor, match: Match) -> bool:
    """A member of the demand's or the achievement's organisation."""
    orgs = organization_ids(actor)
    return match.demand.owner_id in orgs or match.achievement.owner_id in orgs


def match_visible_qs(actor: Actor) -> QuerySet[Match]:
    qs = Match.objects.select_related(
        "demand",
        "demand__owner",
        "achievement",
        "achievement__owner",
        "demand__technology_field",
        "achievement__technology_field",
    )
    qs = qs.annotate(dismissed_by_me=dismissed_by_me(actor), my_progress=my_progress(actor))
    if is_operator(actor):
        return qs
    orgs = organization_ids(actor)
    fields = broker_field_codes(actor)
    visible = Q(demand__owner_id__in=orgs) | Q(achievement__owner_id__in=orgs)
    if fields:
        # A broker sees a pair only while both listings are on the market (as their details are).
        visible |= (Q(demand__technology_field_id__in=fields) | Q(achievement__technology_field_id__in=fields)) & Q(
            demand__status=ListingStatus.PUBLISHED, achievement__status=ListingStatus.PUBLISHED
        )
    return qs.filter(visible) if orgs or fields else qs.none()


def access_match(*, actor: Actor, pk: int) -> Match:
    # With what its explanation names: both regions (and their prefectures), industries, fields.
    match = (
        match_visible_qs(actor)
        .select_related("demand__region_preference__parent", "achievement__region__parent", "demand__industry")
        .prefetch_related("achievement__industries")
        .filter(pk=pk)
        .first()
    )
    if match is None:
        raise Http404
    return match


def can_give_feedback(*, actor: Actor, match: Match) -> bool:
    """The two owners' members and the following brokers act on a match; the operator only reads."""
    if is_match_party(actor=actor, match=match):
        return True
    fields = broker_field_codes(actor)
    return match.demand.technology_field_id in fields or match.achievement.technology_field_id in fields


def access_listing_for_matches(*, actor: Actor, kind: ListingKind, pk: int) -> Achievement | Demand:
    """The listing whose match list the actor asks for: its owner's members, following brokers, operator.

    Only a listing the actor may see at all: a broker asking for a draft or withdrawn listing's matches
    gets the same 404 as for its detail.
    """
    model = Achievement if kind == ListingKind.ACHIEVEMENT else Demand
    listing = (
        listing_visible_qs(model, actor)
        .filter(pk=pk)
        .only("pk", "owner_id", "technology_field_id", "title", "status")
        .first()
    )
    if listing is None:
        raise Http404
    if is_operator(actor) or listing.owner_id in organization_ids(actor):
        return listing
    if listing.technology_field_id in broker_field_codes(actor):
        return listing
    raise Http404


def match_list(
    *, actor: Actor, kind: ListingKind, listing: Achievement | Demand, filters: Mapping[str, Any] | None = None
) -> QuerySet[Match]:
    """The listing's matches, best first. Dismissed ones only when asked for by ``state``.

    A match the actor (a broker outside both organisations) dismissed for itself counts as dismissed in
    the actor's lists, whatever its state for the parties.
    """
    filters = filters or {}
    qs = Match.objects.filter(**{"demand" if kind == ListingKind.DEMAND else "achievement": listing})
    # The explanation is read one match at a time (matches/{id}), not with the list.
    qs = qs.select_related("demand", "demand__owner", "achievement", "achievement__owner").defer("explanation")
    qs = qs.annotate(dismissed_by_me=dismissed_by_me(actor), my_progress=my_progress(actor))
    if not is_operator(actor) and listing.owner_id not in organization_ids(actor):
        # A following broker: a counterpart withdrawn or expired since is as invisible here as its detail.
        qs = qs.filter(demand__status=ListingStatus.PUBLISHED, achievement__status=ListingStatus.PUBLISHED)
    # Dismissed pairs only when asked for: they are the record of what not to suggest again.
    state = filters.get("state")
    if state == MatchState.DISMISSED:
        qs = qs.filter(Q(state=MatchState.DISMISSED) | Q(dismissed_by_me=True))
    elif state:
        qs = qs.filter(state=state, dismissed_by_me=False)
    else:
        qs = qs.exclude(state=MatchState.DISMISSED).filter(dismissed_by_me=False)
    return qs.order_by("-score", "-id")


def quality_report(*, actor: Actor, since: date | None = None, until: date | None = None) -> dict[str, Any]:
    """Counts the operator reads to judge the matcher: by state, dismissal reason, engine version, field.

    ``contact_rate`` = contacted / (all matches that got any feedback); ``dismissal_rate`` likewise.
    """
    require_operator(actor, _("Only the market operator reads the matching quality report."))
    qs = Match.objects.all()
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)

    def grouped(key: str, label: str) -> list[dict[str, Any]]:
        entries: dict[Any, dict[str, Any]] = {}
        for row in qs.values(key, "state").annotate(n=Count("id")).order_by(key, "state"):
            entry = entries.setdefault(row[key], {label: row[key], **dict.fromkeys(MatchState.values, 0)})
            entry[row["state"]] = row["n"]
        for entry in entries.values():
            entry["total"] = sum(entry[s] for s in MatchState.values)
            entry["contact_rate"] = _rate(entry[MatchState.CONTACTED], entry)
        return list(entries.values())

    states = dict.fromkeys(MatchState.values, 0)
    for row in qs.values("state").annotate(n=Count("id")):
        states[row["state"]] = row["n"]
    reasons = {
        row["dismissal_reason"]: row["n"]
        for row in qs.filter(state=MatchState.DISMISSED).values("dismissal_reason").annotate(n=Count("id"))
    }
    total = sum(states.values())
    return {
        "total": total,
        "by_state": states,
        "by_dismissal_reason": reasons,
        "contact_rate": _rate(states[MatchState.CONTACTED], states),
        "dismissal_rate": _rate(states[MatchState.DISMISSED], states),
        "by_engine_version": grouped("engine_version", "engine_version"),
        "by_field": grouped("demand__technology_field", "technology_field"),
    }


def _rate(count: int, states: Mapping[str, int]) -> float | None:
    answered = sum(states.get(s, 0) for s in (MatchState.VIEWED, MatchState.CONTACTED, MatchState.DISMISSED))
    return round(count / answered, 4) if answered else None


def index_agreement(*, actor: Actor) -> dict[str, Any]:
    """What every live worker process serves (apps.matching.serving) against the newest change-log version.

    ``agree``: at least one process reports, and all serve the newest version with one fingerprint."""
    require_operator(actor, _("Only the market operator reads the match index status."))
    from apps.matching import index_state, serving

    processes = serving.served_indexes()
    latest = index_state.current_version()
    agree = bool(processes) and {(p["version"], p["fingerprint"]) for p in processes} == {
        (latest, processes[0]["fingerprint"])
    }
    return {"latest_version": latest, "agree": agree, "processes": processes}
