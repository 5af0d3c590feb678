"""Trigger-based history (django-pghistory) for the whole service: who changed what, and when.

Models opt in with ``@pghistory.track(...)`` (deals, participants, activities, brokers, introductions,
contracts, payments, registrations). PostgreSQL triggers write an event row for every insert, update
and delete, so queryset ``.update()``, bulk writes and raw SQL are recorded too. Each event points to
a *context* holding the acting user and the URL, which :class:`HistoryMiddleware` opens per request:

- Django's auth sets ``request.user`` for sessions (admin); DRF authenticates later, in the view, and
  sets the user on the underlying request, which pghistory's request class turns into
  ``pghistory.context(user=...)`` at that moment — so JWT and API-key callers are recorded as well;
- outside requests (Celery tasks, commands), wrap the work in :func:`history_context`::

      with history_context(user=None, task="contracts.recompute_deadlines"):
          ...

Why a subclass of pghistory's middleware: pghistory prepends ``SELECT set_config(%s, %s);`` to every
write statement and passes its two values as parameters. A statement that arrives already rendered,
with no parameters (psycopg2's ``execute_values``, used by the listings import), may contain literal
``%`` characters (for example "精度99.5%"), which psycopg2 would then read as placeholders and fail.
:func:`_escape_rendered_sql` doubles those ``%`` first, only for statements pghistory will prefix.
This is the open upstream bug AmbitionEng/django-pghistory#149; it leans on pghistory internals
(``runtime._tracker``, ``runtime._can_inject_variable``), hence the exact pin of django-pghistory.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pghistory
import pghistory.middleware
from django.db import connection
from django.http import HttpRequest, HttpResponse
from pghistory import runtime
from rest_framework import serializers

from apps.core.pagination import StandardCursorPagination


def _escape_rendered_sql(
    execute: Callable[..., Any], sql: str | bytes, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    if (
        params is None
        and not many
        and hasattr(runtime._tracker, "value")
        and runtime._can_inject_variable(context["cursor"], sql)
    ):
        sql = sql.replace(b"%", b"%%") if isinstance(sql, bytes) else sql.replace("%", "%%")
    return execute(sql, params, many, context)


@contextlib.contextmanager
def history_context(**metadata: Any) -> Iterator[None]:
    """``pghistory.context`` that also copes with pre-rendered SQL; use it outside requests."""
    with connection.execute_wrapper(_escape_rendered_sql), pghistory.context(**metadata):
        yield


class HistoryMiddleware(pghistory.middleware.HistoryMiddleware):
    """pghistory's middleware (user and URL per request), safe for pre-rendered SQL; see the module docstring."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Entered before pghistory's own wrapper, so it runs first and sees the statement unprefixed.
        with connection.execute_wrapper(_escape_rendered_sql):
            response: HttpResponse = super().__call__(request)
        return response


# --- reading history: one selector, one pagination and one output shape for every app ------------


def tracked_events(obj: Any, *event_models: str) -> Any:
    """Every pghistory event of ``obj`` and of the tracked rows pointing at it, oldest first.

    ``event_models`` names the event models to read (``"deals.DealEvent"`` …); deleted rows are included
    because events reference the object, not the live row.
    """
    import pghistory.models

    events = pghistory.models.Events.objects.references(obj).across(*event_models)
    return events.order_by(*HISTORY_ORDERING)


# Changes of one transaction share a timestamp; pgh_id is unique per event table only, so the model
# name breaks ties across tables.
HISTORY_ORDERING = ("pgh_created_at", "pgh_model", "pgh_id")


class HistoryPagination(StandardCursorPagination):
    ordering = HISTORY_ORDERING  # type: ignore[assignment]  # DRF accepts a tuple; the stub says str


class HistoryEventOutputSerializer(serializers.Serializer):
    """The fields every history endpoint shares; each app adds its label and row fields."""

    object_id = serializers.CharField(source="pgh_obj_id")
    at = serializers.DateTimeField(source="pgh_created_at")
    user_id = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    changes = serializers.JSONField(source="pgh_diff", allow_null=True, help_text="{field: [old, new]} for updates.")

    def get_user_id(self, obj: Any) -> int | None:
        user = (obj.pgh_context or {}).get("user")
        return int(user) if user is not None else None

    def get_url(self, obj: Any) -> str | None:
        url: str | None = (obj.pgh_context or {}).get("url")
        return url
