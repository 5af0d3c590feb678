"""``manage.py import_listings {achievements|demands} PATH``: bulk import from CSV or JSON Lines.

The same checks and storage as ``POST /api/v1/{achievements|demands}/import`` (see
:mod:`apps.listings.importing`), without the API's size and row limits, with rows checked in worker
processes while this one stores, a progress bar on stderr and a summary with the throughput at the end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from tqdm import tqdm

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.listings.importing import DEFAULT_BATCH_SIZE, KINDS, ImportResult, default_jobs, import_listings
from apps.organizations.access import is_operator

# Row errors printed before "… and N more".
SHOWN_ERRORS = 50


class _RawStream:
    """tqdm redraws with a carriage return: no newline may be added after each write."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()


def acting_user(email: str | None) -> User | None:
    """The operator named by --acting-user (recorded as creator and reviewer), or None for the system."""
    if not email:
        return None
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"No user with e-mail {email}.")
    if not is_operator(user):
        raise CommandError(f"{email} is not a member of the market operator: only the operator imports listings.")
    return user


class Command(BaseCommand):
    help = "Import achievements or demands from a CSV (UTF-8/GB18030) or JSON Lines file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["achievements", "demands"])
        parser.add_argument("path", type=Path)
        parser.add_argument("--partial", action="store_true", help="Store the good rows even if some rows fail.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, store nothing.")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="Rows per INSERT.")
        parser.add_argument("--acting-user", metavar="EMAIL", help="The operator recorded as creator/reviewer.")
        parser.add_argument(
            "--jobs",
            type=int,
            default=default_jobs(),
            help="Worker processes that check rows while this one stores (0: check in this process).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = KINDS[options["kind"]]
        path: Path = options["path"]
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        actor = acting_user(options["acting_user"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None

        bar = tqdm(total=0, unit="rows", desc=kind.plural, file=_RawStream(self.stderr), disable=options["no_progress"])

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            result = import_listings(
                actor=actor,
                kind=kind,
                content=content,
                filename=path.name,
                partial=options["partial"],
                dry_run=options["dry_run"],
                batch_size=options["batch_size"],
                jobs=max(0, options["jobs"]),
                progress=progress,
            )
        except ApplicationError as exc:
            bar.close()
            rows = exc.extra.get("rows") or []
            self._print_errors(rows, int(exc.extra.get("error_count", len(rows))))
            if "total_rows" in exc.extra:
                self.stdout.write(
                    f"{kind.plural}: {exc.extra['total_rows']} rows read, {exc.extra['failed_rows']} with errors "
                    f"({exc.extra['error_count']} errors); nothing stored."
                )
            raise CommandError(exc.message) from None
        bar.close()
        self._print_errors([e.as_dict() for e in result.errors], result.error_count)
        self._summary(result)

    def _print_errors(self, rows: list[dict[str, Any]], total: int) -> None:
        for error in rows[:SHOWN_ERRORS]:
            column = f" ({error['column']})" if error.get("column") and error["column"] != error["field"] else ""
            self.stderr.write(f"row {error['row']}: {error['field']}{column}: {error['message']} [{error['code']}]")
        if total > SHOWN_ERRORS:
            self.stderr.write(f"… and {total - SHOWN_ERRORS} more errors.")

    def _summary(self, result: ImportResult) -> None:
        self.stdout.write(
            f"{result.kind}s: {result.total_rows} rows read ({result.format}, {result.encoding}); "
            f"{result.valid_rows} valid, {result.failed_rows} failed ({result.error_count} errors)."
        )
        self.stdout.write("Dry run: nothing stored." if result.dry_run else f"Stored {result.created}.")
        if result.ignored_columns:
            self.stdout.write(f"Ignored columns: {', '.join(result.ignored_columns)}")
        self.stdout.write(
            f"Time {result.seconds:.2f} s: {result.rows_per_second:,.0f} rows/s overall; "
            f"parse+validate+segment {result.check_rows_per_second:,.0f} rows/s per process."
        )
