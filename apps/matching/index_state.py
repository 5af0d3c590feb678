"""The versioned, in-memory match index each worker process serves.

Versioning. Every change to the set of published listings writes one :class:`IndexChange` row in the
transaction that changes the listing; its serial id is the *index version*. Writers take a
transaction-level advisory lock before inserting, so ids become visible in id order: a reader that sees
version *n* has seen every change up to *n*, and no change can appear later with a smaller id.

Serving. A worker process keeps one :class:`ServedIndex`, built lazily from the
database at first use. Before answering, :meth:`ServedIndex.sync` applies the change-log entries newer
than its version: each changed listing is re-read from the database and upserted (still published) or
removed (anything else). Re-applying a change is therefore harmless, and two processes that report the
same version serve the same listings, whichever machine they run on.

Spreading the work over workers (``MATCHING_SHARDS``): :mod:`apps.matching.shards`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from apps.listings.models import Achievement, Demand, ListingStatus
from apps.matching import engine
from apps.matching.models import ChangeLogHorizon, ChangeOp, IndexChange, ListingKind

# pg_advisory_xact_lock key for writers of the change log ("MATCHIDX" as an integer).
CHANGE_LOG_LOCK = 0x4D41544348494458 & 0x7FFFFFFFFFFFFFFF
# Listings read from the database per query while loading an index.
LOAD_BATCH = 2000


# --- writing the change log --------------------------------------------------------------------


def record_changes(*, kind: ListingKind, listing_ids: Iterable[int], op: ChangeOp) -> int | None:
    """Append changes to the log inside the caller's transaction; return the last version written."""
    ids = list(dict.fromkeys(listing_ids))
    if not ids:
        return None
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_changes must run inside the transaction that changes the listings")
    with connection.cursor() as cursor:
        # Held to commit: the next writer gets a larger id and commits after us, so versions never appear
        # out of order to a reader (a serial alone does not promise that).
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGE_LOG_LOCK])
    created = IndexChange.objects.bulk_create(IndexChange(kind=kind, listing_id=pk, op=op) for pk in ids)
    return max(change.id for change in created)


def pruned_through() -> int:
    """The newest version removed from the change log (0 when nothing was pruned)."""
    return ChangeLogHorizon.objects.filter(pk=1).values_list("pruned_through", flat=True).first() or 0


def prune_changes(*, through: int) -> int:
    """Delete the change-log entries up to version ``through`` and raise the horizon; return how many.

    Under the writers' advisory lock, so no change with a smaller id can still be on its way in."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGE_LOG_LOCK])
        horizon, _created = ChangeLogHorizon.objects.select_for_update().get_or_create(pk=1)
        if through <= horizon.pruned_through:
            return 0
        deleted, _ = IndexChange.objects.filter(id__lte=through).delete()
        ChangeLogHorizon.objects.filter(pk=1).update(pruned_through=through, pruned_at=timezone.now())
        return deleted


def current_version() -> int:
    # A pruned log may be empty: the horizon still counts as a version already served.
    return max(IndexChange.objects.aggregate(v=Max("id"))["v"] or 0, pruned_through())


# --- listings as engine documents --------------------------------------------------------------


def _achievement_qs() -> QuerySet[Achievement]:
    return Achievement.objects.prefetch_related("industries").order_by("pk")


def _demand_qs() -> QuerySet[Demand]:
    return Demand.objects.order_by("pk")


def _versions(listing: Achievement | Demand, text_key: str) -> tuple[list[str], list[str]]:
    """Titles and texts of a listing's further language versions (an English summary of a Vietnamese
    achievement meets a Chinese demand through the glossary)."""
    versions = list((listing.translations or {}).values())
    return [v.get("title", "") for v in versions], [v.get(text_key, "") for v in versions]


def achievement_document(achievement: Achievement) -> engine.Achievement:
    titles, texts = _versions(achievement, "summary")
    return engine.Achievement(
        id=achievement.pk,
        title="\n".join(t for t in (achievement.title, *titles) if t),
        text="\n".join(t for t in (achievement.summary, achievement.translated_summary, *texts) if t),
        keywords=tuple(achievement.keywords),
        field=achievement.technology_field_id,
        industries=frozenset(i.pk for i in achievement.industries.all()),
        trl=achievement.trl,
        cooperation=frozenset(achievement.cooperation_modes),
        # The least the owner asks: the price that must fit a demand's budget.
        price=achievement.price_min,
        region=achievement.region_id,
        lang=achievement.language,
        published=achievement.status == ListingStatus.PUBLISHED,
        expires_on=achievement.expires_on,
    )


def demand_document(demand: Demand) -> engine.Demand:
    titles, texts = _versions(demand, "description")
    return engine.Demand(
        id=demand.pk,
        title="\n".join(t for t in (demand.title, *titles) if t),
        text="\n".join(t for t in (demand.description, demand.translated_description, *texts) if t),
        keywords=tuple(demand.keywords),
        field=demand.technology_field_id,
        industries=frozenset([demand.industry_id]) if demand.industry_id else frozenset(),
        wanted_stage=demand.wanted_stage or None,
        cooperation=frozenset(demand.cooperation_modes),
        # The most the enterprise will pay.
        budget=demand.budget_max,
        region=demand.region_preference_id or None,
        lang=demand.language,
        published=demand.status == ListingStatus.PUBLISHED,
        expires_on=demand.deadline,
    )


def load_documents(kind: ListingKind, ids: Iterable[int]) -> dict[int, Any]:
    """{id: document} of the given listings that are published now (the others are left out)."""
    wanted = list(ids)
    if not wanted:
        return {}
    if kind == ListingKind.ACHIEVEMENT:
        return {
            a.pk: achievement_document(a)
            for a in _achievement_qs().filter(pk__in=wanted, status=ListingStatus.PUBLISHED)
        }
    return {d.pk: demand_document(d) for d in _demand_qs().filter(pk__in=wanted, status=ListingStatus.PUBLISHED)}


def iter_published(kind: ListingKind) -> Iterable[Any]:
    """Every published listing of ``kind`` as a document, read in batches by id."""
    qs: QuerySet[Any] = _achievement_qs() if kind == ListingKind.ACHIEVEMENT else _demand_qs()
    qs = qs.filter(status=ListingStatus.PUBLISHED)
    to_document = achievement_document if kind == ListingKind.ACHIEVEMENT else demand_document
    last = 0
    while True:
        batch = list(qs.filter(pk__gt=last)[:LOAD_BATCH])
        if not batch:
            return
        yield from (to_document(row) for row in batch)
        last = batch[-1].pk


# --- the served index --------------------------------------------------------------------------


@dataclass
class ServedIndex:
    """Both indexes (achievements, demands) at one version."""

    version: int = 0
    achievements: Any = field(default_factory=lambda: engine.MatchIndex(kind="achievement"))
    demands: Any = field(default_factory=lambda: engine.MatchIndex(kind="demand"))
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def index_for(self, kind: ListingKind) -> Any:
        return self.achievements if kind == ListingKind.ACHIEVEMENT else self.demands

    @classmethod
    def build(cls) -> ServedIndex:
        """A fresh index from the database. The version is read first, so the listings loaded after it
        are at least that new, and re-applying the later changes converges."""
        index = cls(version=current_version())
        index.achievements.add_many(iter_published(ListingKind.ACHIEVEMENT))
        index.demands.add_many(iter_published(ListingKind.DEMAND))
        return index

    def sync(self) -> int:
        """Apply every change newer than this index's version; return the version now served.

        If the change log was pruned past this version, the changes in between are gone: the index is
        rebuilt from the database instead (in place, so callers holding it see the new content)."""
        with self.lock:
            if self.version < pruned_through():
                fresh = ServedIndex.build()
                self.version, self.achievements, self.demands = fresh.version, fresh.achievements, fresh.demands
            changes = list(
                IndexChange.objects.filter(id__gt=self.version).order_by("id").values_list("id", "kind", "listing_id")
            )
            if not changes:
                return self.version
            touched: dict[str, set[int]] = {ListingKind.ACHIEVEMENT: set(), ListingKind.DEMAND: set()}
            for _id, kind, listing_id in changes:
                touched[kind].add(listing_id)
            for kind, ids in touched.items():
                # The listing's state now decides, not the op recorded: replaying is idempotent.
                documents = load_documents(ListingKind(kind), ids)
                target = self.index_for(ListingKind(kind))
                for pk in sorted(ids):
                    if pk in documents:
                        target.add(documents[pk])
                    else:
                        target.remove(pk)
            self.version = changes[-1][0]
            return self.version

    def fingerprint(self) -> str:
        """Digest of everything served: equal on two workers exactly when they serve the same listings."""
        both = f"{self.achievements.fingerprint()}:{self.demands.fingerprint()}"
        return hashlib.sha256(both.encode()).hexdigest()


_LOCAL: list[ServedIndex] = []
_LOCAL_LOCK = threading.Lock()


def local_index() -> ServedIndex:
    """This process's index (built at first use), synced to the newest version."""
    with _LOCAL_LOCK:
        if not _LOCAL:
            _LOCAL.append(ServedIndex.build())
        index = _LOCAL[0]
    index.sync()
    return index


def reset_local() -> None:
    """Forget this process's index (the next use rebuilds it): after a database restore, or between tests."""
    with _LOCAL_LOCK:
        _LOCAL.clear()


def replace_local(index: ServedIndex) -> None:
    """Serve ``index`` (a fresh build) from now on in this process."""
    with _LOCAL_LOCK:
        _LOCAL[:] = [index]
