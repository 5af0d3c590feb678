"""The evidence chain: contract, signing, registration, bid and settlement events chained by hash.

Each :class:`~apps.core.models.EvidenceEntry` stores ``prev_hash`` (the hash of the entry before it,
64 zeros for the first) and ``hash = sha256(prev_hash + canonical(fields))``, where the fields are the
entry's position, stream, subject, event, payload, acting user and time, written as canonical JSON
(:func:`canonical_json`: sorted keys, no spaces, UTF-8, decimals and dates as strings). One chain for
the whole market, so one pass verifies everything.

- **Append** with :func:`record_evidence` inside the transaction of the change it attests: the entry
  commits or rolls back with it. Appenders lock the one :class:`~apps.core.models.EvidenceHead` row
  until they commit, so entries are chained one at a time in commit order and never fork.
  Take the row locks your change needs *before* recording evidence (the head's lock comes last in
  every service), so two services never wait for each other's locks in opposite orders. The head lock
  serialises every attesting write market-wide until it commits: keep those transactions short.
- **Append-only**: a trigger (pgtrigger ``evidence_append_only``) refuses UPDATE and DELETE.
- **Verify** with :func:`verify_chain` (``manage.py verify_evidence``, ``GET /api/v1/evidence/verify``
  for the operator): it recomputes every hash in order and compares the end with the head row. A row
  edited directly in the database (the trigger disabled, by a superuser) no longer matches its hash;
  a deleted row breaks the next entry's ``prev_hash`` or the positions; a deleted last row no longer
  matches the head. An attacker who rewrites the whole chain and the head after the edit is not
  caught by the chain alone: publish :func:`chain_head` somewhere outside the database (a daily
  digest, a notary) to anchor it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from apps.core.models import EvidenceEntry, EvidenceHead

GENESIS_HASH = "0" * 64

_ENSURE_HEAD = "INSERT INTO core_evidencehead (id, position, hash) VALUES (1, 0, %s) ON CONFLICT (id) DO NOTHING"


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"not allowed in evidence: {type(value).__name__}")


def _reject_floats(value: Any) -> None:
    # A float's text is not stable across languages and JSON libraries; money is Decimal anyway.
    if isinstance(value, float):
        raise TypeError("floats are not allowed in evidence; use Decimal or str")
    if isinstance(value, Mapping):
        for item in value.values():
            _reject_floats(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _reject_floats(item)


def canonical_json(value: Any) -> str:
    """The one text of ``value`` that is hashed: sorted keys, no spaces, non-ASCII kept as is."""
    _reject_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_hash(
    *,
    prev_hash: str,
    position: int,
    stream: str,
    subject_type: str,
    subject_id: int,
    event: str,
    payload: Any,
    actor_id: int | None,
    created_at: dt.datetime,
) -> str:
    """``sha256(prev_hash + canonical(fields))`` as hex: how every entry's hash is computed."""
    fields = {
        "position": position,
        "stream": stream,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "event": event,
        "payload": payload,
        "actor_id": actor_id,
        "created_at": created_at.astimezone(dt.UTC).isoformat(),
    }
    return sha256_hex((prev_hash + canonical_json(fields)).encode("utf-8"))


def _hash_of(entry: EvidenceEntry) -> str:
    return entry_hash(
        prev_hash=entry.prev_hash,
        position=entry.position,
        stream=entry.stream,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        event=entry.event,
        payload=entry.payload,
        actor_id=entry.actor_id,
        created_at=entry.created_at,
    )


def record_evidence(
    *,
    stream: str,
    subject_type: str,
    subject_id: int,
    event: str,
    payload: Mapping[str, Any] | None = None,
    actor_id: int | None = None,
) -> EvidenceEntry:
    """Append one entry to the chain, in the caller's transaction (it commits or rolls back with it).

    ``payload`` is stored as its canonical JSON read back (decimals and dates become strings), so what
    is stored is exactly what was hashed. Holds the chain head's row lock until the caller commits.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("record_evidence must run inside the transaction of the change it attests")
    stored_payload = json.loads(canonical_json(dict(payload or {})))
    with connection.cursor() as cursor:
        cursor.execute(_ENSURE_HEAD, [GENESIS_HASH])
    head = EvidenceHead.objects.select_for_update().get(pk=1)
    # Microseconds are kept: PostgreSQL stores them exactly, so the time read back hashes the same.
    created_at = timezone.now().astimezone(dt.UTC)
    position = head.position + 1
    digest = entry_hash(
        prev_hash=head.hash,
        position=position,
        stream=stream,
        subject_type=subject_type,
        subject_id=subject_id,
        event=event,
        payload=stored_payload,
        actor_id=actor_id,
        created_at=created_at,
    )
    entry = EvidenceEntry.objects.create(
        position=position,
        stream=stream,
        subject_type=subject_type,
        subject_id=subject_id,
        event=event,
        payload=stored_payload,
        actor_id=actor_id,
        created_at=created_at,
        prev_hash=head.hash,
        hash=digest,
    )
    EvidenceHead.objects.filter(pk=1).update(position=position, hash=digest)
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    first_bad_position: int | None = None
    reason: str = ""
    head_hash: str = ""


def chain_head() -> tuple[int, str]:
    """The last position and hash (what to publish outside the database to anchor the chain)."""
    head = EvidenceHead.objects.filter(pk=1).first()
    return (head.position, head.hash) if head else (0, GENESIS_HASH)


def verify_chain(*, batch: int = 2000) -> VerifyResult:
    """Recompute every hash in position order; the first entry that does not match, and why.

    Reads under REPEATABLE READ in a read-only transaction, so appends committing meanwhile do not
    make a consistent chain look broken (inside a caller's transaction it reads what that one sees).
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        prev_hash = GENESIS_HASH
        expected_position = 1
        checked = 0
        for entry in EvidenceEntry.objects.order_by("position").iterator(chunk_size=batch):
            bad = None
            if entry.position != expected_position:
                bad = f"position {entry.position} where {expected_position} was expected: an entry is missing"
            elif entry.prev_hash != prev_hash:
                bad = "prev_hash does not match the previous entry's hash: an entry was removed or replaced"
            elif _hash_of(entry) != entry.hash:
                bad = "hash does not match the entry's content: the entry was edited"
            if bad:
                return VerifyResult(
                    ok=False,
                    checked=checked,
                    first_bad_id=entry.pk,
                    first_bad_position=entry.position,
                    reason=bad,
                    head_hash=prev_hash,
                )
            prev_hash = entry.hash
            expected_position += 1
            checked += 1
        head_position, head_hash = chain_head()
        if (head_position, head_hash) != (checked, prev_hash):
            return VerifyResult(
                ok=False,
                checked=checked,
                first_bad_position=checked + 1,
                reason="the chain ends before its recorded head: the last entries were removed",
                head_hash=prev_hash,
            )
        return VerifyResult(ok=True, checked=checked, head_hash=prev_hash)


def subject_evidence(subject_type: str, subject_ids: list[int] | int) -> Any:
    """The entries about one or several subjects, in chain order (callers check who may see them)."""
    ids = [subject_ids] if isinstance(subject_ids, int) else subject_ids
    return EvidenceEntry.objects.filter(subject_type=subject_type, subject_id__in=ids).order_by("position")
