"""Bulk imports run by a worker: the job row, its progress and its report.

A large upload is stored as an :class:`~apps.core.models.ImportJob` together with the effect
``<app>.run_import`` of the app that owns the records (listings, contracts, ip), in one transaction; the
answer is 202 with the job's URL. The worker runs the effect's handler, which calls :func:`run_import_job`
with the app's import function: the import is one transaction inside the effect's own (an atomic effect
handler), so a worker killed mid-file leaves nothing behind and the sweeper hands the effect over again;
a finished job is never run twice (its status is the guard). Rows done so far live in the cache while
the transaction is open, where ``GET import-jobs/{id}`` reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation

from apps.core.errors import ApplicationError
from apps.core.models import ImportJob, ImportJobStatus

PROGRESS_TTL_SECONDS = 6 * 3600


def _progress_key(job_id: int) -> str:
    return f"import-job:{job_id}:progress"


def record_progress(job_id: int, done: int, total: int) -> None:
    cache.set(_progress_key(job_id), [done, total], PROGRESS_TTL_SECONDS)


def job_progress(job_id: int) -> tuple[int, int] | None:
    found = cache.get(_progress_key(job_id))
    return (int(found[0]), int(found[1])) if found else None


@transaction.atomic
def import_job_create(
    *,
    actor: Any,
    kind: str,
    enqueue: Callable[[int], Any],
    filename: str,
    content: bytes,
    total_rows: int,
    options: dict[str, Any],
) -> ImportJob:
    """Store the upload as a job; ``enqueue(job_id)`` records the owning app's effect that runs it (named
    there with a literal, ``effect("ip.run_import", job_id=…)``), in the same transaction."""
    job = ImportJob.objects.create(
        kind=kind,
        created_by=actor,
        filename=filename[:255],
        content=content,
        options=options,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        total_rows=total_rows,
    )
    enqueue(job.pk)
    return job


ImportRunner = Callable[..., dict[str, Any]]


def run_import_job(job_id: int, runner: ImportRunner) -> None:
    """Run a queued job once: ``runner(kind=…, actor=…, content=…, filename=…, progress=…, **options)`` returns the
    report; an ApplicationError (a bad file, bad rows without ``partial``) fails the job with its problem.

    Called by the owning app's effect handler, inside the effect's transaction.
    """
    job = ImportJob.objects.select_for_update().select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status != ImportJobStatus.QUEUED:
        return  # gone, or finished by an earlier run
    started = timezone.now()

    def progress(done: int, total: int) -> None:
        record_progress(job.pk, done, total)

    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            with transaction.atomic():
                report = runner(
                    kind=job.kind,
                    actor=job.created_by,
                    content=bytes(job.content),
                    filename=job.filename,
                    progress=progress,
                    **job.options,
                )
            status = ImportJobStatus.DONE
        except ApplicationError as exc:
            report = {"status": exc.status, "code": exc.code, "detail": exc.message, **exc.extra}
            if exc.field_errors:
                report["errors"] = [{"field": k, "message": str(v)} for k, v in exc.field_errors.items()]
            status = ImportJobStatus.FAILED
    total = int(report.get("total_rows", job.total_rows) or 0)
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        report=report,
        content=b"",
        total_rows=total,
        done_rows=total if status == ImportJobStatus.DONE else job.done_rows,
        started_at=started,
        finished_at=timezone.now(),
    )
    cache.delete(_progress_key(job.pk))


def access_import_job(*, actor: Any, pk: int) -> ImportJob:
    """The caller's own job (anyone else's is a 404), with the progress of a running one."""
    job = ImportJob.objects.defer("content").filter(pk=pk, created_by_id=getattr(actor, "pk", None)).first()
    if job is None:
        raise Http404
    if job.status == ImportJobStatus.QUEUED:
        found = job_progress(job.pk)
        if found is not None:
            job.status = ImportJobStatus.RUNNING
            job.done_rows, job.total_rows = found
    return job
