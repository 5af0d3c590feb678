"""Writes of matching: index changes from the listings lifecycle, stored matches, feedback, rebuilds.

Flow. A listing that is published, withdrawn, expired or transferred records the effect
``matching.listings_changed`` in its own transaction (listings does not import matching). Its handler
(:func:`listings_changed`) appends an :class:`IndexChange` per listing and records one
``matching.index_listings`` effect per shard batch (:mod:`apps.matching.shards`); that handler brings its
worker's index up to the newest version, searches the other side (a demand looks for achievements, an
achievement for demands) and stores the top matches (:func:`matches_store`): one row per pair, upserted,
so a re-run changes nothing; a dismissed pair is excluded from every search. Every step is a durable
effect, so nothing between the listing's commit and its matches can be lost. Strong new matches notify
the demand's organisation and the brokers who follow the demand's field, once per pair (a conditional
claim on ``notified_at``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.lifecycle import Lifecycle, Transition
from apps.listings.models import Achievement, Demand, ListingStatus
from apps.matching import engine, index_state, shards
from apps.matching.models import (
    MATCH_TRANSITIONS,
    ChangeOp,
    IndexChange,
    ListingKind,
    Match,
    MatchingRun,
    MatchState,
    RunKind,
    RunStatus,
)
from apps.matching.selectors import following_brokers
from apps.matching.webhooks import publish_match
from apps.notifications.services import notify
from apps.organizations.access import operator_users
from apps.organizations.models import Membership

logger = logging.getLogger(__name__)

Listing = Achievement | Demand
# How many entries of each kind of difference a run keeps (the counts are always complete).
DIFF_SAMPLE = 100


class MatchingError(StrEnum):
    BAD_TRANSITION = "match_bad_transition"
    REASON_REQUIRED = "dismissal_reason_required"
    REASON_NOT_ALLOWED = "dismissal_reason_not_allowed"
    FEEDBACK_NOT_ALLOWED = "match_feedback_not_allowed"
    UNKNOWN_REASON = "unknown_dismissal_reason"


# Feedback moves a match forward (the action is the state asked for); a dismissal is final.
MATCH_FEEDBACK = Lifecycle(
    field="state",
    transitions={state: Transition(sources=sources, target=state) for state, sources in MATCH_TRANSITIONS.items()},
    error_code=MatchingError.BAD_TRANSITION,
    message=gettext_lazy("A match that is %(status)s cannot take this feedback."),
    labels=MatchState,
)


def other_kind(kind: ListingKind) -> ListingKind:
    return ListingKind.DEMAND if kind == ListingKind.ACHIEVEMENT else ListingKind.ACHIEVEMENT


def _model(kind: ListingKind) -> type[Achievement] | type[Demand]:
    return Achievement if kind == ListingKind.ACHIEVEMENT else Demand


# --- listings entering and leaving the market ---------------------------------------------------


def listings_matching_changed(*, kind: ListingKind, listing_ids: Iterable[int], published: bool) -> None:
    """Listings entered (``published``) or left the market: log the change and record their re-matching.

    Must run inside the transaction that moved the listings (or that handles their effect), so the change
    log, the listings and the recorded ``matching.index_listings`` effects commit together.
    """
    ids = list(dict.fromkeys(listing_ids))
    if not ids:
        return
    index_state.record_changes(kind=kind, listing_ids=ids, op=ChangeOp.UPSERT if published else ChangeOp.REMOVE)
    shards.record_index_effects(kind=str(kind), listing_ids=ids)


def listings_changed(*, kind: ListingKind, listing_ids: Iterable[int]) -> None:
    """The ``matching.listings_changed`` effect: each listing enters or leaves the index as its status is now.

    Reading the status here rather than trusting the caller's word makes a late or repeated run harmless:
    a listing published and withdrawn again before this runs is logged as removed, twice if need be.
    """
    ids = list(dict.fromkeys(listing_ids))
    published = set(
        _model(kind).objects.filter(pk__in=ids, status=ListingStatus.PUBLISHED).values_list("pk", flat=True)
    )
    listings_matching_changed(kind=kind, listing_ids=[pk for pk in ids if pk in published], published=True)
    listings_matching_changed(kind=kind, listing_ids=[pk for pk in ids if pk not in published], published=False)


# --- searching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """One counterpart a search returned for a listing."""

    counterpart_id: int
    score: float
    explanation: dict[str, Any]


def exclusions(*, kind: ListingKind, listing: Listing) -> set[int]:
    """Counterparts never to suggest: pairs dismissed before, and the listing's own organisation's."""
    if kind == ListingKind.DEMAND:
        dismissed = Match.objects.filter(demand_id=listing.pk, state=MatchState.DISMISSED).values_list(
            "achievement_id", flat=True
        )
    else:
        dismissed = Match.objects.filter(achievement_id=listing.pk, state=MatchState.DISMISSED).values_list(
            "demand_id", flat=True
        )
    own = _model(other_kind(kind)).objects.filter(owner_id=listing.owner_id).values_list("pk", flat=True)
    return set(dismissed) | set(own)


def query_document(kind: ListingKind, listing: Listing) -> Any:
    if kind == ListingKind.ACHIEVEMENT:
        return index_state.achievement_document(listing)  # type: ignore[arg-type]
    return index_state.demand_document(listing)  # type: ignore[arg-type]


def search_index(
    *, index: index_state.ServedIndex, kind: ListingKind, query: Any, k: int, exclude: set[int]
) -> list[Found]:
    """The ``k`` best counterparts of ``query`` (a document of ``kind``) in ``index``."""
    # Under the index's lock: in a threaded worker pool another task may be applying changes to it.
    with index.lock:
        matches = index.index_for(other_kind(kind)).search(query, k=k, exclude=exclude, today=timezone.localdate())
    return [Found(counterpart_id=m.id, score=float(m.score), explanation=m.explanation) for m in matches]


def load_listing(kind: ListingKind, listing_id: int) -> Listing | None:
    qs: Any = _model(kind).objects.all()
    if kind == ListingKind.ACHIEVEMENT:
        qs = qs.prefetch_related("industries")
    return qs.filter(pk=listing_id).first()


def listing_rematch(*, kind: ListingKind, listing_id: int) -> list[Match]:
    """Bring one listing's matches up to date against this process's index, at the newest version."""
    listing = load_listing(kind, listing_id)
    if listing is None or listing.status != ListingStatus.PUBLISHED:
        matches_withdraw(kind=kind, listing_ids=[listing_id])
        return []
    index = index_state.local_index()
    found = search_index(
        index=index,
        kind=kind,
        query=query_document(kind, listing),
        k=settings.MATCHING_TOP_K,
        exclude=exclusions(kind=kind, listing=listing),
    )
    return matches_store(kind=kind, listing_id=listing_id, found=found, index_version=index.version)


def listings_rematch(*, kind: ListingKind, listing_ids: Sequence[int]) -> int:
    """The ``matching.index_listings`` effect (and task): re-match each listing, one short transaction each."""
    for pk in listing_ids:
        listing_rematch(kind=kind, listing_id=pk)
    return len(listing_ids)


# --- storing -----------------------------------------------------------------------------------


@transaction.atomic
def matches_withdraw(*, kind: ListingKind, listing_ids: Sequence[int]) -> int:
    """A listing left the market: its suggestions go. Viewed, contacted and dismissed pairs stay as history."""
    link = "achievement_id__in" if kind == ListingKind.ACHIEVEMENT else "demand_id__in"
    deleted, _rows = Match.objects.filter(**{link: list(listing_ids)}, state=MatchState.SUGGESTED).delete()
    return deleted


def _published_for_share(kind: ListingKind, ids: Sequence[int]) -> set[int]:
    """The listings among ``ids`` published now, share-locked to the end of the transaction.

    A concurrent withdrawal (which locks the row for update) waits for us, and its own task then sees
    our matches and removes them; share locks do not block each other, so concurrent stores never deadlock.
    """
    if not ids:
        return set()
    table = _model(kind)._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE id = ANY(%s) AND status = %s ORDER BY id FOR SHARE",  # noqa: S608
            [list(ids), ListingStatus.PUBLISHED],
        )
        return {row[0] for row in cursor.fetchall()}


@transaction.atomic
def matches_store(*, kind: ListingKind, listing_id: int, found: Sequence[Found], index_version: int) -> list[Match]:
    """Store the matches found for a listing and notify strong new ones. Safe to run twice.

    A demand's search upserts its pairs (score, explanation, versions); an achievement's search adds the pairs
    not stored yet. Either way one row per pair, and ``state`` is never touched here.

        The listing and its counterparts are re-checked as published under a share lock, so a withdrawal that
        committed meanwhile does not get suggestions back; a pair dismissed meanwhile keeps its state (the
        upsert never touches ``state``).
    """
    if not _published_for_share(kind, [listing_id]):
        matches_withdraw(kind=kind, listing_ids=[listing_id])
        return []
    found = [f for f in found if f.score >= settings.MATCHING_MIN_SCORE]
    live = _published_for_share(other_kind(kind), [f.counterpart_id for f in found])
    is_demand = kind == ListingKind.DEMAND
    own = "demand_id" if is_demand else "achievement_id"
    # Suggestions an older engine made for this listing are replaced by this computation's.
    Match.objects.filter(**{own: listing_id}, state=MatchState.SUGGESTED).exclude(
        engine_version=engine.ENGINE_VERSION
    ).delete()
    rows = [
        Match(
            demand_id=listing_id if is_demand else f.counterpart_id,
            achievement_id=f.counterpart_id if is_demand else listing_id,
            score=f.score,
            explanation=f.explanation,
            engine_version=engine.ENGINE_VERSION,
            index_version=index_version,
        )
        for f in found
        if f.counterpart_id in live
    ]
    if rows and is_demand:
        Match.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["demand", "achievement"],
            update_fields=["score", "explanation", "engine_version", "index_version", "updated_at"],
        )
    elif rows:
        # The demand's side of a pair is the one of record (the engine scores the two directions a little
        # differently): an achievement's search only adds pairs, so the stored score of a pair does not
        # depend on which of the two tasks ran last.
        Match.objects.bulk_create(rows, ignore_conflicts=True)
    pairs = Q()
    for row in rows:
        pairs |= Q(demand_id=row.demand_id, achievement_id=row.achievement_id)
    stored = list(Match.objects.filter(pairs).select_related("demand", "achievement")) if rows else []
    notify_strong_matches(match_ids=[m.pk for m in stored if m.state == MatchState.SUGGESTED])
    return stored


def notify_strong_matches(*, match_ids: Sequence[int]) -> int:
    """Tell the demand's organisation and the brokers following its field about strong new matches, and
    both listings' owners' integrations by webhook (``match.created``).

    Each pair is claimed once (``notified_at`` set by a conditional update) whatever the number of runs.
    """
    if not match_ids:
        return 0
    now = timezone.now()
    strong = list(
        Match.objects.select_for_update(skip_locked=True)
        .filter(
            pk__in=match_ids,
            notified_at__isnull=True,
            state=MatchState.SUGGESTED,
            score__gte=settings.MATCHING_NOTIFY_MIN_SCORE,
        )
        .select_related("demand", "achievement")
        .order_by("pk")
    )
    if not strong:
        return 0
    Match.objects.filter(pk__in=[m.pk for m in strong], notified_at__isnull=True).update(notified_at=now)
    members: dict[int, list[User]] = {}
    for membership in Membership.objects.filter(
        organization_id__in={m.demand.owner_id for m in strong}, user__is_active=True
    ).select_related("user"):
        members.setdefault(membership.organization_id, []).append(membership.user)
    brokers = following_brokers(field_codes={m.demand.technology_field_id for m in strong})
    for match in strong:
        notify(
            recipients=[*members.get(match.demand.owner_id, []), *brokers.get(match.demand.technology_field_id, [])],
            kind="match_found",
            title=format_lazy(
                gettext_lazy("New match for {demand}: {achievement}"),
                demand=match.demand.title,
                achievement=match.achievement.title,
            ),
            body=format_lazy(gettext_lazy("Score {score}."), score=f"{match.score:.2f}"),
            target=match,
        )
        publish_match(match)
    return len(strong)


# --- the nightly rebuild -----------------------------------------------------------------------


def _sample(values: Iterable[Any]) -> list[Any]:
    return sorted(values)[:DIFF_SAMPLE]


def _latest_upserts(kind: ListingKind, ids: Iterable[int]) -> dict[int, int]:
    """{listing id: version of its latest upsert}: when it (last) entered the index."""
    rows = (
        IndexChange.objects.filter(kind=kind, listing_id__in=list(ids), op=ChangeOp.UPSERT)
        .values("listing_id")
        .annotate(v=Max("id"))
    )
    return {row["listing_id"]: row["v"] for row in rows}


def _matched_at(kind: ListingKind) -> dict[int, int]:
    """{listing id: the newest index version any of its stored matches was computed at}."""
    own = "demand_id" if kind == ListingKind.DEMAND else "achievement_id"
    return dict(Match.objects.values_list(own).annotate(v=Max("index_version")).values_list(own, "v"))


def _classify_missing(
    missing: dict[ListingKind, list[tuple[int, int]]], matched: dict[ListingKind, dict[int, int]]
) -> tuple[list[list[int]], int]:
    """Split pairs the fresh top-k has and the table lacks into real misses and expected refreshes.

    A listing's matches are computed when it is published; a counterpart published later reaches them only
    through its own search, which may rank other listings higher. Such a pair (the counterpart arrived
    after the listing was matched) is a refresh the nightly run is there to make, not a fault. A pair whose
    two listings were both in the index when the listing was matched, yet is missing, is a difference.
    """
    faults: list[list[int]] = []
    refreshed = 0
    for kind, pairs in missing.items():
        if not pairs:
            continue
        listing_ids = {p[0] if kind == ListingKind.DEMAND else p[1] for p in pairs}
        counterpart_ids = {p[1] if kind == ListingKind.DEMAND else p[0] for p in pairs}
        entered = _latest_upserts(kind, listing_ids)
        arrived = _latest_upserts(other_kind(kind), counterpart_ids)
        for pair in pairs:
            listing, counterpart = pair if kind == ListingKind.DEMAND else (pair[1], pair[0])
            matched_at = matched[kind].get(listing, entered.get(listing, 0))
            if arrived.get(counterpart, 0) > matched_at:
                refreshed += 1
            else:
                faults.append(list(pair))
    return faults, refreshed


def matching_prune_change_log(*, up_to: int) -> int:
    """Drop change-log entries older than ``MATCHING_CHANGE_LOG_RETENTION_DAYS`` that a fresh build at
    version ``up_to`` already contains; return how many. Workers further behind rebuild (see
    :meth:`~apps.matching.index_state.ServedIndex.sync`)."""
    cutoff = timezone.now() - timedelta(days=settings.MATCHING_CHANGE_LOG_RETENTION_DAYS)
    through = IndexChange.objects.filter(id__lte=up_to, created_at__lt=cutoff).aggregate(v=Max("id"))["v"]
    if through is None:
        return 0
    return index_state.prune_changes(through=through)


def matching_rebuild() -> MatchingRun:
    """Build a fresh index from the database, compare it with the incremental state, repair, report.

    Compared: which listings each index holds and their fingerprints; each listing's top-k from both
    indexes; the stored matches against the fresh top-k (pairs missing from the table, suggestions of
    listings no longer published). Missing pairs are stored, stale ones deleted, and the fresh index
    replaces this process's. Any difference is reported to the operator. Suggestions an older engine
    computed are recomputed on the way (counted as re-matched, not as differences), and so are pairs that
    entered a listing's top-k because of listings published after it (``refreshed``).

    Each listing is stored in its own short transaction: the run never holds locks for long.
    """
    run = MatchingRun.objects.create(kind=RunKind.REBUILD, engine_version=engine.ENGINE_VERSION)
    try:
        incremental = index_state.local_index()
        fresh = index_state.ServedIndex.build()
        fresh.sync()
        incremental.sync()
        same_content = incremental.fingerprint() == fresh.fingerprint()
        diff: dict[str, Any] = {"index": {}}
        differences = 0
        for kind in (ListingKind.ACHIEVEMENT, ListingKind.DEMAND):
            have, want = incremental.index_for(kind).doc_ids(), fresh.index_for(kind).doc_ids()
            differences += len(want - have) + len(have - want)
            diff["index"][str(kind)] = {"missing": _sample(want - have), "extra": _sample(have - want)}
        top_k_diffs: list[dict[str, Any]] = []
        missing: dict[ListingKind, list[tuple[int, int]]] = {ListingKind.DEMAND: [], ListingKind.ACHIEVEMENT: []}
        compared = 0
        rematched = (
            Match.objects.exclude(engine_version=engine.ENGINE_VERSION).exclude(state=MatchState.DISMISSED).count()
        )
        # The table as the incremental pipeline left it, before this run repairs anything.
        stored_pairs = set(Match.objects.values_list("demand_id", "achievement_id"))
        matched = {kind: _matched_at(kind) for kind in ListingKind}
        k = settings.MATCHING_TOP_K
        for kind in (ListingKind.DEMAND, ListingKind.ACHIEVEMENT):
            is_demand = kind == ListingKind.DEMAND
            published: QuerySet[Any] = _model(kind).objects.filter(status=ListingStatus.PUBLISHED).order_by("pk")
            if not is_demand:
                published = published.prefetch_related("industries")
            for listing in published.iterator(chunk_size=500):
                compared += 1
                query = query_document(kind, listing)
                exclude = exclusions(kind=kind, listing=listing)
                want = search_index(index=fresh, kind=kind, query=query, k=k, exclude=exclude)
                have = search_index(index=incremental, kind=kind, query=query, k=k, exclude=exclude)
                want_ids, have_ids = [f.counterpart_id for f in want], [f.counterpart_id for f in have]
                if want_ids != have_ids:
                    top_k_diffs.append(
                        {"kind": str(kind), "id": listing.pk, "rebuilt": want_ids, "incremental": have_ids}
                    )
                strong_enough = [f for f in want if f.score >= settings.MATCHING_MIN_SCORE]
                for f in strong_enough:
                    pair = (listing.pk, f.counterpart_id) if is_demand else (f.counterpart_id, listing.pk)
                    if pair not in stored_pairs:
                        missing[kind].append(pair)
                        stored_pairs.add(pair)
                matches_store(kind=kind, listing_id=listing.pk, found=strong_enough, index_version=fresh.version)
        stale = Match.objects.filter(state=MatchState.SUGGESTED).filter(
            ~Q(demand__status=ListingStatus.PUBLISHED) | ~Q(achievement__status=ListingStatus.PUBLISHED)
        )
        stale_pairs = list(stale.values_list("demand_id", "achievement_id")[:DIFF_SAMPLE])
        stale_count, _rows = stale.delete()
        faults, refreshed = _classify_missing(missing, matched)
        if same_content:
            # Same listings, same content: a different ranking comes from the incremental index's segment
            # layout (documents added since the last merge), which the fresh index resets. Kept, not alarmed.
            diff["ranking_drift"] = top_k_diffs[:DIFF_SAMPLE]
        else:
            diff["top_k"] = top_k_diffs[:DIFF_SAMPLE]
            differences += len(top_k_diffs)
            if differences == 0:
                # Same listings, different content: a change that reached the database without the log.
                differences += 1
                diff["fingerprint"] = True
        differences += len(faults) + stale_count
        diff["stored"] = {
            "missing": sorted(faults)[:DIFF_SAMPLE],
            "missing_count": len(faults),
            "refreshed": refreshed,
            "stale": [list(p) for p in stale_pairs],
            "stale_count": stale_count,
        }
        diff["rematched"] = rematched
        index_state.replace_local(fresh)
        run.index_version = fresh.version
        run.incremental_fingerprint = incremental.fingerprint()
        run.rebuilt_fingerprint = fresh.fingerprint()
        run.listings = compared
        run.differences = differences
        run.diff = diff
        run.status = RunStatus.DIFFERENCES if differences else RunStatus.CONSISTENT
        run.finished_at = timezone.now()
        run.save()
    except Exception:
        MatchingRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, finished_at=timezone.now())
        raise
    matching_prune_change_log(up_to=fresh.version)
    if differences:
        logger.warning("matching rebuild found %d differences (run %d)", differences, run.pk)
        notify(
            recipients=operator_users(),
            kind="matching_rebuild_differences",
            title=format_lazy(
                gettext_lazy("Matching rebuild found {n} differences from the incremental index"), n=differences
            ),
            body=gettext_lazy("The differences were repaired; see the matching run in the admin."),
            target=run,
        )
    return run


def matching_rematch_all() -> MatchingRun:
    """Re-match every published listing (after an engine or settings change), spread over the shard queues.

    Records ``matching.index_listings`` for all published demands, then all achievements, in batches on
    their shards' queues; the effects are the ordinary idempotent ones, so a batch that runs twice or late
    changes nothing. Suggestions of an older engine version are replaced listing by listing; feedback
    stays.
    """
    run = MatchingRun.objects.create(
        kind=RunKind.REMATCH, engine_version=engine.ENGINE_VERSION, index_version=index_state.current_version()
    )
    queued = 0
    with transaction.atomic():
        for kind in (ListingKind.DEMAND, ListingKind.ACHIEVEMENT):
            ids = list(
                _model(kind).objects.filter(status=ListingStatus.PUBLISHED).order_by("pk").values_list("pk", flat=True)
            )
            shards.record_index_effects(kind=str(kind), listing_ids=ids)
            queued += len(ids)
        MatchingRun.objects.filter(pk=run.pk).update(listings=queued, status=RunStatus.DONE, finished_at=timezone.now())
    run.refresh_from_db()
    return run


def index_status() -> dict[str, Any]:
    """What this process serves: version (after syncing), the newest version logged, fingerprint, sizes."""
    index = index_state.local_index()
    return {
        "version": index.version,
        "latest_version": index_state.current_version(),
        "fingerprint": index.fingerprint(),
        "achievements": len(index.achievements),
        "demands": len(index.demands),
        "engine_version": engine.ENGINE_VERSION,
    }
