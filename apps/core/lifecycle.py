"""One way to move a record from state to state: a transition table and one conditional UPDATE.

```python
LISTING_LIFECYCLE = Lifecycle(
    transitions={"submit": Transition(sources=(S.DRAFT, S.REJECTED), target=S.SUBMITTED), ...},
    error_code=ListingError.BAD_TRANSITION,
    message=_("A listing that is %(status)s cannot be moved this way."),
    labels=S,
)
previous = LISTING_LIFECYCLE.move(model=Achievement, pk=pk, action="submit", reviewed_at=now)
```

``move`` is a single ``UPDATE … SET status = target … WHERE pk = %s AND status IN (sources)`` that
returns the state it left (read from the locked row inside the same statement), so two concurrent
moves cannot both pass the check: the second waits for the first's row lock, then sees its result.
A row in another state gets a 409 with the current state; a missing row a 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from enum import Enum
from typing import Any

from django.db import connection, models
from django.db.models.functions import Now
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise

from apps.core.changes import record_model_changes
from apps.core.errors import ApplicationError


@dataclass(frozen=True)
class Transition:
    """An action's allowed source states and its target state."""

    sources: tuple[Any, ...]
    target: Any


@dataclass(frozen=True)
class Lifecycle:
    transitions: Mapping[str, Transition]
    error_code: str
    message: str | Promise
    labels: type[models.TextChoices] | None = None
    field: str = "status"
    status: int = 409
    extra: Mapping[str, Any] = dataclass_field(default_factory=dict)

    def allowed(self, state: Any) -> list[str]:
        """The actions that may start from ``state``."""
        return [action for action, t in self.transitions.items() if state in t.sources]

    def can(self, state: Any, action: str) -> bool:
        return state in self.transitions[action].sources

    def target(self, action: str) -> Any:
        return self.transitions[action].target

    def move(self, *, model: type[models.Model], pk: Any, action: str, **changes: Any) -> Any:
        """Move row ``pk`` along ``action``, setting ``changes`` too; return the state it left.

        ``changes`` are plain values (no expressions); ``updated_at`` is set to now when the model has
        one and the caller did not set it.
        """
        transition = self.transitions[action]
        previous = self._update(model=model, pk=pk, transition=transition, changes=changes)
        if previous is _NOT_MOVED:
            current = model._default_manager.filter(pk=pk).values_list(self.field, flat=True).first()
            if current is None and not model._default_manager.filter(pk=pk).exists():
                raise Http404
            raise self.refusal(current, action)
        record_model_changes(model, [pk])
        return previous

    def refusal(self, current: Any, action: str) -> ApplicationError:
        """The error for ``action`` from ``current`` (also for callers that check before moving)."""
        label = self._label(current)
        return ApplicationError(
            str(self.message) % {"status": label},
            code=self.error_code,
            status=self.status,
            extra={**self.extra, "current_status": _plain(current), "action": action},
        )

    def check(self, current: Any, action: str) -> None:
        """Raise the refusal when ``action`` may not start from ``current`` (a read-only pre-check)."""
        if not self.can(current, action):
            raise self.refusal(current, action)

    def _label(self, value: Any) -> str:
        if value is None:
            return "?"
        if self.labels is not None:
            try:
                return str(self.labels(value).label)
            except ValueError:
                pass
        return str(value)

    def _update(self, *, model: type[models.Model], pk: Any, transition: Transition, changes: dict[str, Any]) -> Any:
        meta = model._meta
        table = connection.ops.quote_name(meta.db_table)
        pk_field: Any = meta.pk
        pk_column = connection.ops.quote_name(pk_field.column)
        state_field: Any = meta.get_field(self.field)
        state_column = connection.ops.quote_name(state_field.column)
        values: dict[str, Any] = {self.field: transition.target, **changes}
        has_updated_at = any(f.name == "updated_at" for f in meta.concrete_fields)
        if has_updated_at and "updated_at" not in values:
            values["updated_at"] = timezone.now()
        assignments, params = [], []
        for name, value in values.items():
            model_field: Any = meta.get_field(name)
            if isinstance(value, models.Expression | Now):
                raise TypeError(f"Lifecycle.move takes plain values, not expressions ({name})")
            assignments.append(f"{connection.ops.quote_name(model_field.column)} = %s")
            params.append(model_field.get_db_prep_save(value, connection))
        sources = [state_field.get_db_prep_save(_plain(s), connection) for s in transition.sources]
        # The sub-select locks the row and reads its state; the UPDATE moves it only from an allowed one
        # and RETURNING gives back the state it left.
        sql = (
            f"UPDATE {table} AS t SET {', '.join(assignments)} "  # noqa: S608 - identifiers quoted, values bound
            f"FROM (SELECT {pk_column} AS pk, {state_column} AS previous FROM {table} "
            f"WHERE {pk_column} = %s FOR UPDATE) AS old "
            f"WHERE t.{pk_column} = old.pk AND old.previous = ANY(%s) RETURNING old.previous"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, pk_field.get_db_prep_value(pk, connection), sources])
            row = cursor.fetchone()
        return _NOT_MOVED if row is None else row[0]


_NOT_MOVED = object()


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value
