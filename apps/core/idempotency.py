"""``Idempotency-Key`` for POSTs that create money-bearing records (deals, contracts, payments, registrations).

A client that may retry (a timeout, a dropped connection) sends a key it made up, unique per
intended operation, e.g. a UUID::

    POST /api/v1/deals
    Idempotency-Key: 5f0c7c1e-8d0a-4d0e-9a55-3c1b8f7b2a10

Behaviour:

- the first request with a key runs normally; when it succeeds (2xx) its status, body and
  ``Location``/``ETag`` headers are stored with the key;
- a replay (same key, same caller, same method and path, same body) returns the stored response
  unchanged, plus the header ``Idempotent-Replayed: true``; nothing runs again;
- the same key with a different body (or on another endpoint) is refused: **422**, problem code
  ``idempotency_key_reused``;
- while the first request is still running, the same key gets **409**, code
  ``idempotency_key_in_flight`` (retry a moment later);
- a request that fails (4xx refusal, 5xx error) stores nothing: its work was rolled back, so the
  client may fix the body and retry with the same key;
- keys are scoped to the calling user (an API key's service account is a user of its own), so two
  callers cannot collide, and expire after ``IDEMPOTENCY_KEY_TTL_HOURS`` (default 24); the beat task
  ``core.idempotency_purge`` deletes expired ones.
- The header is optional: without it a POST runs as usual. A key is 1–255 visible ASCII characters.

Race safety: the key is claimed by an INSERT before any work starts, committed on its own, so of
two concurrent requests the unique constraint (scope, key) lets exactly one in; the other sees the
claimed row and gets 409 (or, once the first finished, the replay). The work and the completion of
the record run in one transaction, so a crash leaves no half-done state: the claim simply lapses
after ``IDEMPOTENCY_LOCK_SECONDS`` and a retry takes it over.

Usage, on any DRF ``APIView`` method (the request body is hashed from ``request.data``)::

    from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent

    class DealListCreateApi(APIView):
        @extend_schema(
            parameters=[IDEMPOTENCY_KEY_PARAMETER],
            responses={201: DealOutputSerializer, **IDEMPOTENCY_RESPONSES},
        )
        @idempotent
        def post(self, request: Request) -> Response:
            ...

Do not wrap the service call in your own ``transaction.atomic`` expecting to commit before the
response: the decorator commits the work and the stored response together.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.errors import ApplicationError
from apps.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Response headers kept with the stored response and sent again on replay.
KEPT_HEADERS = ("Location", "ETag", "Content-Language")
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")


class IdempotencyError:
    """Problem codes of this module (plain constants: usable as ``code=``)."""

    INVALID_KEY = "invalid_idempotency_key"
    KEY_REUSED = "idempotency_key_reused"
    IN_FLIGHT = "idempotency_key_in_flight"


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique key for this operation (e.g. a UUID). A retry with the same key and body returns the "
        "first response (header Idempotent-Replayed: true); the same key with another body is refused "
        f"with 422; keys expire after {settings.IDEMPOTENCY_KEY_TTL_HOURS} hours."
    ),
)
IDEMPOTENCY_RESPONSES: dict[int, OpenApiResponse] = {
    409: OpenApiResponse(
        description="A conflict with the record's state, or a request with the same Idempotency-Key is still "
        "running (idempotency_key_in_flight)."
    ),
    422: OpenApiResponse(
        description="The Idempotency-Key was already used with a different request (idempotency_key_reused)."
    ),
}

Handler = Callable[..., Response]


def request_fingerprint(request: Request) -> str:
    """sha256 over method, path and the parsed body with sorted keys (so key order and spacing do not matter)."""
    body = json.dumps(_plain(request.data), sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    raw = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _plain(data: Any) -> Any:
    """request.data as JSON-able values (a QueryDict becomes a dict of lists; files become their names and sizes)."""
    if hasattr(data, "lists"):
        return {key: [_plain(v) for v in values] for key, values in data.lists()}
    if isinstance(data, dict):
        return {str(key): _plain(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_plain(value) for value in data]
    if hasattr(data, "read") and hasattr(data, "name"):
        return {"file": getattr(data, "name", ""), "size": getattr(data, "size", None)}
    return data


def request_scope(request: Request) -> str:
    user = request.user
    if user is None or not getattr(user, "is_authenticated", False):
        # Anonymous POSTs have nobody to scope a key to: the key is ignored by the caller of this.
        return ""
    return f"user:{user.pk}"


def _parse_key(request: Request) -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not _KEY_PATTERN.match(key):
        raise ApplicationError(
            _("The Idempotency-Key header must be 1 to 255 visible ASCII characters."),
            code=IdempotencyError.INVALID_KEY,
            status=400,
        )
    return key


def _replay(record: IdempotencyRecord) -> Response:
    headers = {**record.response_headers, REPLAYED_HEADER: "true"}
    return Response(record.response_body, status=record.response_status, headers=headers)


def _reused() -> ApplicationError:
    return ApplicationError(
        _("This Idempotency-Key was already used with a different request."),
        code=IdempotencyError.KEY_REUSED,
        status=422,
    )


def _in_flight() -> ApplicationError:
    return ApplicationError(
        _("A request with this Idempotency-Key is still being processed; retry shortly."),
        code=IdempotencyError.IN_FLIGHT,
        status=409,
    )


def _claim(*, scope: str, key: str, request: Request, fingerprint: str) -> IdempotencyRecord | Response:
    """Insert the claim (committed on its own), or answer from the existing record.

    Returns the claimed record when this request owns the key, or the replayed response.
    """
    now = timezone.now()
    lock = timedelta(seconds=settings.IDEMPOTENCY_LOCK_SECONDS)
    values = {
        "method": request.method or "",
        "path": request.path[:500],
        "request_hash": fingerprint,
        "locked_until": now + lock,
        "expires_at": now + timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS),
    }
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(scope=scope, key=key, **values)
    except IntegrityError:
        pass

    existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if existing is None:
        # Purged between our insert and this read: the key is free again.
        return _claim(scope=scope, key=key, request=request, fingerprint=fingerprint)
    if existing.expires_at <= now:
        # An expired key the purge task has not reached yet: take it over as new.
        taken = IdempotencyRecord.objects.filter(pk=existing.pk, expires_at__lte=now).update(
            response_status=None, response_body=None, response_headers={}, **values
        )
        if taken:
            existing.refresh_from_db()
            return existing
        return _claim(scope=scope, key=key, request=request, fingerprint=fingerprint)
    if existing.request_hash != fingerprint:
        raise _reused()
    if existing.is_complete:
        return _replay(existing)
    # Still running, unless its holder died: a lapsed lock may be taken over (its work rolled back).
    taken = IdempotencyRecord.objects.filter(
        pk=existing.pk, response_status__isnull=True, locked_until__lte=now
    ).update(locked_until=now + lock)
    if not taken:
        raise _in_flight()
    existing.refresh_from_db()
    return existing


def _release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, response_status__isnull=True).delete()


def idempotent(handler: Handler) -> Handler:
    """Decorate a DRF view method (usually ``post``) to honour ``Idempotency-Key``; see the module docstring."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = _parse_key(request)
        scope = request_scope(request)
        if key is None or not scope:
            return handler(view, request, *args, **kwargs)
        claimed = _claim(scope=scope, key=key, request=request, fingerprint=request_fingerprint(request))
        if isinstance(claimed, Response):
            return claimed
        record = claimed
        try:
            with transaction.atomic():
                response = handler(view, request, *args, **kwargs)
                if not 200 <= response.status_code < 300:
                    # A refusal returned rather than raised: roll back whatever ran and keep nothing.
                    transaction.set_rollback(True)
                else:
                    stored_body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder, ensure_ascii=False))
                    kept = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
                    completed = IdempotencyRecord.objects.filter(pk=record.pk, response_status__isnull=True).update(
                        response_status=response.status_code, response_body=stored_body, response_headers=kept
                    )
                    if not completed:
                        # Our claim lapsed and another request took the key over: ours must not count.
                        raise _in_flight()
        except BaseException:
            _release(record)
            raise
        if not 200 <= response.status_code < 300:
            _release(record)
        return response

    return cast(Handler, wrapper)


def purge_expired_keys(*, now: Any = None, batch_size: int = 5000) -> int:
    """Delete expired keys in batches; returns how many went. Safe to run at any time, twice."""
    now = now or timezone.now()
    total = 0
    while True:
        ids = list(IdempotencyRecord.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[:batch_size])
        if not ids:
            return total
        total += IdempotencyRecord.objects.filter(pk__in=ids, expires_at__lte=now).delete()[0]
