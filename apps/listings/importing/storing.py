"""Storing checked rows: duplicates in the file and against stored listings, then multi-row inserts of
the listings, their industry links and one event each, all in one transaction."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from psycopg2.extras import Json, execute_values

from apps.accounts.models import User
from apps.core.bulk import BulkReport
from apps.core.changes import record_changes
from apps.core.effects import effect
from apps.core.errors import ApplicationError
from apps.core.models import ChangeKind
from apps.listings.importing.checking import CheckedRow, build_context, checked_chunks, stored_fields
from apps.listings.importing.formats import (
    ACHIEVEMENT_KIND,
    DEFAULT_BATCH_SIZE,
    KINDS,
    BulkError,
    ListingKind,
    RowCode,
)
from apps.listings.importing.reading import RowError, read_listing_file
from apps.listings.models import ACTIVE_STATUSES, Achievement, ListingEvent, ListingStatus
from apps.listings.services import record_market_change
from apps.markets.access import assign_home_markets
from apps.notifications.services import notify
from apps.organizations.access import operator_users


@dataclass
class ImportResult(BulkReport):
    """The core bulk report, with the file's name and the time spent checking rows."""

    filename: str = ""
    check_seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0

    @property
    def check_rows_per_second(self) -> float:
        """Parse + validate + segment, per core."""
        return self.total_rows / self.check_seconds if self.check_seconds else 0.0


def _duplicates(
    kind: ListingKind, rows: list[CheckedRow], seen: dict[tuple[int, str], int], header: str, *, skip: bool
) -> tuple[list[CheckedRow], list[RowError], int]:
    """Rows whose owner already has an active listing with the same fingerprint, in this file or stored.

    The fingerprint (owner, title and text) is the row's stable key, so importing the same file again
    stores nothing twice: stored rows are errors, or with ``skip`` counted as skipped. (An ``external_id``
    column, once listings have one, would be the key instead.)"""
    keys = {(r.owner_id, r.fingerprint) for r in rows}
    stored: set[tuple[int, str]] = set()
    if keys:
        stored = set(
            kind.model.objects.filter(
                owner_id__in={k[0] for k in keys},
                fingerprint__in={k[1] for k in keys},
                status__in=ACTIVE_STATUSES,
            ).values_list("owner_id", "fingerprint")
        )
    kept: list[CheckedRow] = []
    errors: list[RowError] = []
    skipped = 0
    for checked in rows:
        key = (checked.owner_id, checked.fingerprint)
        if key in seen:
            message = _("Same owner, title and text as row %(row)d of this file.") % {"row": seen[key]}
            errors.append(RowError(checked.row, "title", RowCode.DUPLICATE_IN_FILE, message, header))
        elif key in stored:
            seen[key] = checked.row
            if skip:
                skipped += 1
                continue
            message = _("The owner already has an active listing with this title and text.")
            errors.append(RowError(checked.row, "title", RowCode.DUPLICATE_LISTING, message, header))
        else:
            seen[key] = checked.row
            kept.append(checked)
    return kept, errors, skipped


def _insert(model: type[Model], columns: Sequence[str], values: Sequence[tuple[Any, ...]], *, ids: bool) -> list[int]:
    """One multi-row ``INSERT … RETURNING id``, as bulk_create sends, minus its per-field Python preparation.

    bulk_create spends ~165 µs a row preparing 30 fields, which made storing the bottleneck of an import;
    the values here are already the validated Python types psycopg2 adapts (str, int, Decimal, date,
    aware datetime, list → array). Ids come back in VALUES order, as bulk_create also relies on.
    """
    quote = connection.ops.quote_name
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES %s"  # noqa: S608
    if ids:
        sql += " RETURNING id"
    with connection.cursor() as cursor:
        returned = execute_values(cursor, sql, values, page_size=max(1, len(values)), fetch=ids)
    return [row[0] for row in returned] if ids else []


def _store(kind: ListingKind, rows: list[CheckedRow], *, actor_id: int | None, note: str, now: datetime) -> list[int]:
    """Insert the rows; returns the ids of those stored as published."""
    fields = stored_fields(kind.model)
    columns = [f.column for f in fields]
    # JSON columns (the language versions) need psycopg2's adapter; the rest adapt as they are.
    json_at = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    values = [r.values for r in rows]
    if json_at:
        values = [tuple(Json(v) if i in json_at else v for i, v in enumerate(row)) for row in values]
    pks = _insert(kind.model, columns, values, ids=True)
    assign_home_markets(kind.model.objects.filter(pk__in=pks))
    if kind is ACHIEVEMENT_KIND:
        links = [(pk, code) for r, pk in zip(rows, pks, strict=True) for code in r.industries]
        if links:
            _insert(Achievement.industries.through, ("achievement_id", "industry_id"), links, ids=False)
    _insert(
        ListingEvent,
        (f"{kind.name}_id", "from_status", "to_status", "actor_id", "note", "created_at"),
        [(pk, "", r.status, actor_id, note, now) for r, pk in zip(rows, pks, strict=True)],
        ids=False,
    )
    record_changes(kind.name, pks, ChangeKind.CREATED)
    return [pk for r, pk in zip(rows, pks, strict=True) if r.status == ListingStatus.PUBLISHED]


ProgressCallback = Callable[[int, int], None]


def import_listings(
    *,
    actor: User | None,
    kind: ListingKind,
    content: bytes,
    filename: str,
    partial: bool = False,
    dry_run: bool = False,
    on_existing: str = "error",
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_rows: int | None = None,
    jobs: int = 0,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Import one file. Raises ApplicationError for a bad file, and for bad rows unless ``partial``.

    ``jobs`` > 0 checks rows in that many forked processes while this one stores (the command uses it;
    a web request checks in-process). Storing is one transaction: without ``partial`` it is rolled back as
    soon as the first bad row is known; a dry run checks everything and stores nothing.
    """
    started = time.perf_counter()
    parsed = read_listing_file(kind, content, filename=filename, max_rows=max_rows)
    context = build_context(actor=actor, parsed=parsed)
    result = ImportResult(
        kind=kind.name,
        filename=filename,
        format=parsed.format,
        encoding=parsed.encoding,
        total_rows=len(parsed.records),
        ignored_columns=parsed.ignored_columns,
        partial=partial,
        dry_run=dry_run,
    )
    note = f"import: {os.path.basename(filename)}"[:1000]
    seen: dict[tuple[int, str], int] = {}
    failed: set[int] = set()
    published: list[int] = []
    submitted = 0
    done = 0
    if progress:
        progress(0, result.total_rows)
    try:
        with transaction.atomic():
            chunks = checked_chunks(kind, parsed.records, context, batch_size=max(1, batch_size), jobs=jobs)
            # closing(): a failure while storing must stop the worker processes at once.
            with closing(chunks):
                for chunk in chunks:
                    result.check_seconds += chunk.seconds
                    rows, duplicate_errors, skipped = _duplicates(
                        kind, chunk.rows, seen, parsed.headers.get("title", "标题"), skip=on_existing == "skip"
                    )
                    result.skipped += skipped
                    errors = sorted(chunk.errors + duplicate_errors, key=lambda e: e.row)
                    result.add_errors(errors)
                    failed.update(e.row for e in errors)
                    if rows and not dry_run and (partial or not failed):
                        published += _store(kind, rows, actor_id=context.actor_id, note=note, now=context.now)
                        result.created += len(rows)
                        submitted += sum(1 for r in rows if r.status == ListingStatus.SUBMITTED)
                    done += len(chunk.rows) + len({e.row for e in chunk.errors})
                    if progress:
                        progress(done, result.total_rows)
            result.failed_rows = len(failed)
            if failed and not partial:
                raise _rows_invalid(result)
            # Published rows enter the market as a publication does: matching hears of them through the
            # effect recorded in this transaction.
            record_market_change(kind=kind.name, listing_ids=published)
            if submitted:
                # One notice for the file, not one per row: the operator reviews them from the list.
                notify(
                    recipients=operator_users(),
                    kind="listing_submitted",
                    title=format_lazy(gettext_lazy("{count} imported listings await review"), count=submitted),
                    body="",
                    email=False,
                )
    except IntegrityError as exc:
        # Another writer stored the same listing between our duplicate check and the insert.
        if "no_duplicate" in str(exc):
            raise ApplicationError(
                _("A listing in this file was stored by someone else meanwhile; nothing was imported. Retry."),
                code=BulkError.CONFLICT,
                status=409,
            ) from None
        raise
    result.seconds = time.perf_counter() - started
    return result


def _rows_invalid(result: ImportResult) -> ApplicationError:
    result.created = 0
    body = result.summary()
    body.pop("kind")
    return ApplicationError(
        _("%(failed)d of %(total)d rows have errors; nothing was imported. Fix them, or import with partial.")
        % {"failed": result.failed_rows, "total": result.total_rows},
        code=BulkError.ROWS_INVALID,
        extra=body,
    )


def import_report(
    *,
    kind: str,
    actor: User,
    content: bytes,
    filename: str,
    progress: ProgressCallback | None = None,
    partial: bool = False,
    dry_run: bool = False,
    on_existing: str = "error",
) -> dict[str, Any]:
    """The import behind the endpoint and its background job (``listings.run_import``): the report."""
    result = import_listings(
        actor=actor,
        kind=KINDS[kind],
        content=content,
        filename=filename,
        partial=partial,
        dry_run=dry_run,
        on_existing=on_existing,
        max_rows=settings.LISTING_IMPORT_MAX_ROWS,
        progress=progress,
    )
    return result.summary()


def queue_import(job_id: int) -> None:
    """Run an import job on a worker (recorded with the job, in its transaction)."""
    effect("listings.run_import", job_id=job_id)
