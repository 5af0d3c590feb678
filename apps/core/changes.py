"""The changes feed: every change of a mirrored record, in commit order, for integrators' mirrors.

An app registers each record type it serves (:func:`register_change_type`: the model, who can see a
record now, who could see it when it changed) in its ``changes.py``; from then on saving or deleting
such a record, or a record it is made of (:func:`register_part`), writes a :class:`Change` row in the
same transaction, and so do :func:`record_changes` (for queryset ``update()`` paths) and every
:class:`~apps.core.lifecycle.Lifecycle` move. ``GET /api/v1/changes`` reads them back
(:func:`read_changes`), scoped to the caller.

Positions (``seq``) are not taken at insert: a transaction that inserts first may commit last, and a
reader that had already moved past its position would skip it for good. Rows are inserted without a
position and :func:`stamp` numbers the committed ones, one stamper at a time (a lock on the single
:class:`ChangeLog` row), before every read; a row that commits later is numbered later, above every
position a reader has seen. docs/integrators.md compares this with the ``txid``/snapshot technique.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, models, transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_delete, post_save, pre_delete
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from apps.core.errors import ApplicationError, ErrorCode
from apps.core.fields import AwareDateTimeFormField
from apps.core.models import Change, ChangeKind, ChangeLog, RecordAudience
from apps.core.validators import external_id_problem


class ChangesError:
    CURSOR_EXPIRED = "changes_cursor_expired"
    INVALID_CURSOR = ErrorCode.INVALID_CURSOR.value
    UNKNOWN_TYPE = "changes_unknown_type"
    INVALID_EXTERNAL_ID = "invalid_external_id"


@dataclass(frozen=True)
class Audience:
    """Who can see a record: everyone (``public``), members of these organisations, these users
    (brokers of a deal), and always the market operator."""

    public: bool = False
    organization_ids: frozenset[int] = frozenset()
    user_ids: frozenset[int] = frozenset()

    def __or__(self, other: Audience) -> Audience:
        return Audience(
            public=self.public or other.public,
            organization_ids=self.organization_ids | other.organization_ids,
            user_ids=self.user_ids | other.user_ids,
        )


@dataclass(frozen=True)
class ChangeType:
    name: str
    model: type[models.Model]
    # The records the acting user can see now (the app's ``*_visible_qs``).
    visible_qs: Callable[[Any], QuerySet[Any]]
    # Who can see each of these records now, from the database (missing ids: nobody).
    audience: Callable[[list[int]], dict[int, Audience]]
    # The record's path under /api/v1/, e.g. "achievements/{id}".
    path: str


@dataclass(frozen=True)
class Scope:
    """Who reads the feed: the operator reads every entry; others the entries whose audience names them."""

    actor: Any
    operator: bool
    organization_ids: frozenset[int] = frozenset()
    user_id: int | None = None


@dataclass(frozen=True)
class Entry:
    seq: int
    type: str
    id: int
    change: str
    occurred_at: datetime
    path: str | None


@dataclass
class Page:
    entries: list[Entry] = field(default_factory=list)
    next_seq: int = 0
    has_more: bool = False


_types: dict[str, ChangeType] = {}
_by_model: dict[type[models.Model], ChangeType] = {}
RecordIds = Callable[[Any], "int | Iterable[int] | None"]
_parts: dict[type[models.Model], dict[str, RecordIds]] = {}


def register_change_type(
    name: str,
    *,
    model: type[models.Model],
    visible_qs: Callable[[Any], QuerySet[Any]],
    audience: Callable[[list[int]], dict[int, Audience]],
    path: str,
) -> None:
    """Serve ``model``'s records in the feed as ``name``: saves and deletes are recorded from now on."""
    change_type = ChangeType(name=name, model=model, visible_qs=visible_qs, audience=audience, path=path)
    _types[name] = change_type
    _by_model[model] = change_type
    uid = f"changes:{name}"
    post_save.connect(_on_save, sender=model, dispatch_uid=uid)
    pre_delete.connect(_on_pre_delete, sender=model, dispatch_uid=uid)
    post_delete.connect(_on_delete, sender=model, dispatch_uid=uid)


def register_part(model: type[models.Model], *, of: str, record_id: RecordIds) -> None:
    """Saving or deleting a ``model`` row changes the ``of`` record(s) it belongs to (a payment its contract);
    ``record_id`` gives the record's id, or several, or None."""
    _parts.setdefault(model, {})[of] = record_id
    uid = f"changes:part:{model._meta.label}"
    post_save.connect(_on_part, sender=model, dispatch_uid=uid)
    post_delete.connect(_on_part, sender=model, dispatch_uid=uid)


def change_types() -> dict[str, ChangeType]:
    return dict(_types)


def _on_save(sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False, **_: Any) -> None:
    if not raw:
        record_changes(_by_model[sender].name, [instance.pk], ChangeKind.CREATED if created else ChangeKind.UPDATED)


def _on_pre_delete(sender: type[models.Model], instance: models.Model, **_: Any) -> None:
    # Who could see it is read while it still exists: the tombstone goes to them.
    change_type = _by_model[sender]
    instance._change_audience_before = change_type.audience([instance.pk]).get(instance.pk)  # type: ignore[attr-defined]


def _on_delete(sender: type[models.Model], instance: models.Model, **_: Any) -> None:
    before = getattr(instance, "_change_audience_before", None)
    record_changes(
        _by_model[sender].name,
        [instance.pk],
        ChangeKind.DELETED,
        before={instance.pk: before} if before is not None else None,
    )


def _on_part(sender: type[models.Model], instance: models.Model, raw: bool = False, **_: Any) -> None:
    if raw:
        return
    for name, record_id in _parts[sender].items():
        record_changes(name, _ids(record_id(instance)))


def _ids(value: int | Iterable[int] | None) -> list[int]:
    if value is None:
        return []
    if isinstance(value, int):
        return [value]
    return list(value)


def record_model_changes(model: type[models.Model], ids: Iterable[Any]) -> None:
    """``ids`` of ``model`` changed by a queryset update: recorded when the model is in the feed."""
    ids = list(ids)
    change_type = _by_model.get(model)
    if change_type is not None:
        record_changes(change_type.name, ids)
    parts = _parts.get(model, {})
    if parts:
        rows = list(model._default_manager.filter(pk__in=ids))
        for name, record_id in parts.items():
            record_changes(name, [pk for row in rows for pk in _ids(record_id(row))])


def record_changes(
    type_name: str,
    ids: Iterable[Any],
    change: str = ChangeKind.UPDATED,
    *,
    before: dict[int, Audience] | None = None,
) -> None:
    """Record that records ``ids`` of ``type_name`` changed, in the caller's transaction.

    Those who hear of it: whoever can see a record now, and whoever could see it after its previous
    change (``before`` stands in where there is none), so a record leaving someone's sight reaches
    them as a tombstone, and a record they never saw reaches them not at all.
    """
    pks = list(dict.fromkeys(int(pk) for pk in ids))
    if not pks:
        return
    if change == ChangeKind.DELETED:
        now_seen, keep = dict(before or {}), False
    else:
        # A record that is gone by now (the contract of a payment deleted with it) records nothing here.
        now_seen, keep = _types[type_name].audience(pks), True
        pks = [pk for pk in pks if pk in now_seen]
        if not pks:
            return
    audiences = [now_seen.get(pk, Audience()) for pk in pks]
    with connection.cursor() as cursor:
        cursor.execute(
            _RECORD_SQL,
            {
                "type": type_name,
                "change": str(change),
                "at": timezone.now(),
                "keep": keep,
                "ids": pks,
                "public": [a.public for a in audiences],
                "orgs": [_array(a.organization_ids) for a in audiences],
                "users": [_array(a.user_ids) for a in audiences],
            },
        )


def _array(ids: frozenset[int]) -> str:
    return "{" + ",".join(str(i) for i in sorted(ids)) + "}"


# One statement: read who saw each record after its previous change, remember who sees it now (or forget
# it when it is gone), and write the change rows for the union. Every part sees the statement's snapshot,
# so "old" is the memory before this change.
_RECORD_SQL = """
WITH input AS (
    SELECT i.object_id, i.public, i.orgs::bigint[] AS orgs, i.users::bigint[] AS users
    FROM unnest(%(ids)s::bigint[], %(public)s::boolean[], %(orgs)s::text[], %(users)s::text[])
        AS i(object_id, public, orgs, users)
), old AS (
    SELECT object_id, public, organization_ids, user_ids FROM core_recordaudience
    WHERE type = %(type)s AND object_id IN (SELECT object_id FROM input)
), remember AS (
    INSERT INTO core_recordaudience (type, object_id, public, organization_ids, user_ids)
    SELECT %(type)s, object_id, public, orgs, users FROM input WHERE %(keep)s
    ON CONFLICT (type, object_id) DO UPDATE SET
        public = EXCLUDED.public, organization_ids = EXCLUDED.organization_ids, user_ids = EXCLUDED.user_ids
), forget AS (
    DELETE FROM core_recordaudience
    WHERE NOT %(keep)s AND type = %(type)s AND object_id IN (SELECT object_id FROM input)
)
INSERT INTO core_change (type, object_id, change, occurred_at, public, organization_ids, user_ids)
SELECT %(type)s, i.object_id, %(change)s, %(at)s, i.public OR coalesce(o.public, false),
    ARRAY(SELECT DISTINCT x FROM unnest(i.orgs || coalesce(o.organization_ids, '{}')) AS x ORDER BY x),
    ARRAY(SELECT DISTINCT x FROM unnest(i.users || coalesce(o.user_ids, '{}')) AS x ORDER BY x)
FROM input AS i LEFT JOIN old AS o USING (object_id)
ORDER BY i.object_id
"""


def remember_audiences(type_name: str, audiences: dict[int, Audience]) -> None:
    """Keep who sees each record now, for its next change (the baseline of records older than the feed)."""
    RecordAudience.objects.bulk_create(
        [
            RecordAudience(
                type=type_name,
                object_id=pk,
                public=a.public,
                organization_ids=sorted(a.organization_ids),
                user_ids=sorted(a.user_ids),
            )
            for pk, a in audiences.items()
        ],
        update_conflicts=True,
        unique_fields=["type", "object_id"],
        update_fields=["public", "organization_ids", "user_ids"],
    )


def remember_all(*, batch: int = 2000) -> int:
    """Remember who sees every record that has no memory yet (records older than the feed); returns how many.

    Run once after installing the feed (``manage.py changes_baseline``): without it the first change of
    such a record reaches only who sees it afterwards, and a withdrawal would not reach the public.
    """
    total = 0
    for name, change_type in _types.items():
        known = RecordAudience.objects.filter(type=name).values("object_id")
        pending = change_type.model._default_manager.exclude(pk__in=known).values_list("pk", flat=True)
        last = 0
        while True:
            ids = list(pending.filter(pk__gt=last).order_by("pk")[:batch])
            if not ids:
                break
            with transaction.atomic():
                remember_audiences(name, change_type.audience(ids))
            total += len(ids)
            last = ids[-1]
    return total


# --- external ids ---------------------------------------------------------------------------------


def check_external_id(value: str) -> str:
    """An external id from a URL, checked (400 ``invalid_external_id``); returned as given."""
    problem = external_id_problem(value)
    if problem:
        raise ApplicationError(problem, code=ChangesError.INVALID_EXTERNAL_ID, field_errors={"external_id": problem})
    return value


# --- updated_since on the lists ------------------------------------------------------------------

UPDATED_SINCE_PARAMETER = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    description="Only records changed at or after this time (with its offset, e.g. 2026-03-01T17:00:00+08:00). "
    "Deletions are not listed: read them from GET /api/v1/changes.",
)


def filter_updated_since(qs: QuerySet[Any], params: Any) -> QuerySet[Any]:
    """``qs`` limited to records changed at or after ``params["updated_since"]`` (400 on a bad or naive value)."""
    raw = params.get("updated_since") if params is not None else None
    if raw in (None, ""):
        return qs
    try:
        value = AwareDateTimeFormField().clean(raw)
    except DjangoValidationError as exc:
        raise ApplicationError(
            str(exc.messages[0]),
            code=ErrorCode.VALIDATION_ERROR,
            field_errors={"updated_since": [str(m) for m in exc.messages]},
        ) from None
    return qs.filter(updated_at__gte=value)


# --- positions, reading, retention ----------------------------------------------------------------

_ENSURE_LOG = "INSERT INTO core_changelog (id, head, purged_through) VALUES (1, 0, 0) ON CONFLICT (id) DO NOTHING"


def stamp(*, batch: int = 5000) -> int:
    """Give positions to the committed changes that have none, in id order; returns how many.

    The lock on the one ``core_changelog`` row makes stampers take turns, and each sees the previous
    one's commit, so positions only grow in commit order. Safe to run anywhere, any number of times.
    """
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_ENSURE_LOG)
            cursor.execute("SELECT head FROM core_changelog WHERE id = 1 FOR UPDATE")
            (head,) = cursor.fetchone()
            cursor.execute(
                "WITH todo AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM core_change "
                "WHERE seq IS NULL ORDER BY id LIMIT %s) "
                "UPDATE core_change AS c SET seq = %s + todo.n FROM todo WHERE c.id = todo.id",
                [batch, head],
            )
            stamped = cursor.rowcount
            if stamped:
                cursor.execute("UPDATE core_changelog SET head = head + %s WHERE id = 1", [stamped])
        total += stamped
        if stamped < batch:
            return total


def _log_state() -> ChangeLog:
    with connection.cursor() as cursor:
        cursor.execute(_ENSURE_LOG)
    return ChangeLog.objects.get(pk=1)


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"chg:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _sep, number = raw.partition(":")
        if prefix != "chg" or not number.isdigit() or len(number) > 18:
            raise ValueError(raw)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApplicationError(
            _("The change cursor is not valid; use a cursor the feed gave you."),
            code=ChangesError.INVALID_CURSOR,
            field_errors={"since": _("Invalid cursor.")},
        ) from None


def check_types(names: Sequence[str]) -> list[str]:
    unknown = [name for name in names if name not in _types]
    if unknown:
        raise ApplicationError(
            _("Unknown record types: %(types)s. Known: %(known)s.")
            % {"types": ", ".join(unknown), "known": ", ".join(sorted(_types))},
            code=ChangesError.UNKNOWN_TYPE,
            field_errors={"types": _("Unknown type.")},
        )
    return list(dict.fromkeys(names))


def head_seq() -> int:
    """The position of the newest committed change (a resync starts here, then re-reads everything)."""
    stamp()
    return _log_state().head


def read_changes(*, scope: Scope, after: int, types: Sequence[str] = (), limit: int = 100) -> Page:
    """Changes after position ``after`` that ``scope`` may hear of, oldest first, at most ``limit``.

    Each entry says what the record is to this reader *now*: deleted when it is gone or out of their
    sight, else created or updated as recorded. Raises 410 when ``after`` is older than the retention.
    """
    stamp()
    # The log row is read FOR SHARE and held while the page is read: a purge (which updates that row
    # before deleting) either finished before, and its new horizon answers 410, or waits for this read.
    with transaction.atomic():
        return _read_page(scope=scope, after=after, types=types, limit=limit)


def _read_page(*, scope: Scope, after: int, types: Sequence[str], limit: int) -> Page:
    with connection.cursor() as cursor:
        cursor.execute(_ENSURE_LOG)
        cursor.execute("SELECT head, purged_through FROM core_changelog WHERE id = 1 FOR SHARE")
        head, purged_through = cursor.fetchone()
    state = ChangeLog(head=head, purged_through=purged_through)
    if after < state.purged_through:
        raise ApplicationError(
            _(
                "This cursor is older than the change log keeps (%(days)s days): read every resource again "
                "and continue from the cursor of GET /api/v1/changes/head taken before."
            )
            % {"days": settings.CHANGES_RETENTION_DAYS},
            code=ChangesError.CURSOR_EXPIRED,
            status=410,
            extra={"head": encode_cursor(state.head)},
        )
    rows_qs = Change.objects.filter(seq__gt=after, seq__lte=state.head)
    if types:
        rows_qs = rows_qs.filter(type__in=list(types))
    if not scope.operator:
        heard = Q(public=True) | Q(organization_ids__overlap=sorted(scope.organization_ids))
        if scope.user_id is not None:
            heard |= Q(user_ids__contains=[scope.user_id])
        rows_qs = rows_qs.filter(heard)
    rows = list(rows_qs.order_by("seq").values_list("seq", "type", "object_id", "change", "occurred_at")[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    by_type: dict[str, set[int]] = {}
    for _seq, type_name, object_id, _change, _at in rows:
        by_type.setdefault(type_name, set()).add(object_id)
    visible: dict[str, set[int]] = {
        name: set(_types[name].visible_qs(scope.actor).filter(pk__in=sorted(ids)).values_list("pk", flat=True))
        for name, ids in by_type.items()
        if name in _types
    }
    entries = []
    for seq, type_name, object_id, change, occurred_at in rows:
        seen = object_id in visible.get(type_name, ())
        shown = change if seen and change != ChangeKind.DELETED else ChangeKind.DELETED
        path = _types[type_name].path.format(id=object_id) if shown != ChangeKind.DELETED else None
        entries.append(
            Entry(seq=seq or 0, type=type_name, id=object_id, change=str(shown), occurred_at=occurred_at, path=path)
        )
    # A short page has read everything up to the head (what this reader may not hear of included).
    next_seq = entries[-1].seq if has_more else max(state.head, after)
    return Page(entries=entries, next_seq=next_seq, has_more=has_more)


def purge_changes(*, now: datetime | None = None) -> int:
    """Delete changes older than CHANGES_RETENTION_DAYS; cursors before them then answer 410."""
    stamp()
    cutoff = (now or timezone.now()) - timedelta(days=settings.CHANGES_RETENTION_DAYS)
    through = Change.objects.filter(seq__isnull=False, occurred_at__lt=cutoff).aggregate(m=models.Max("seq"))["m"]
    if through is None:
        return 0
    with transaction.atomic():
        _log_state()
        ChangeLog.objects.filter(pk=1, purged_through__lt=through).update(purged_through=through)
        deleted, _rows = Change.objects.filter(seq__lte=through).delete()
    return deleted
