"""``manage.py export_listings {achievements|demands} PATH``: the API's CSV/XLSX export, to a file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from apps.core.errors import ApplicationError
from apps.core.exporting import csv_chunks
from apps.listings.exporting import EXPORT_FORMATS, listing_export, write_xlsx
from apps.listings.importing import KINDS
from apps.listings.management.commands.import_listings import acting_user


class Command(BaseCommand):
    help = (
        "Export achievements or demands as CSV or XLSX with Chinese headers. Without --acting-user the file "
        "holds what an anonymous reader sees (published, public columns); an operator's e-mail exports all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["achievements", "demands"])
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", choices=EXPORT_FORMATS, help="Default: from the file name, else csv.")
        parser.add_argument("--acting-user", metavar="EMAIL", help="Export what this operator may see.")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="A list filter, as in the API's query string (status=draft, technology_field=03 …). Repeatable.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = KINDS[options["kind"]]
        path: Path = options["path"]
        fmt = options["format"] or ("xlsx" if path.suffix.lower() == ".xlsx" else "csv")
        filters = QueryDict(mutable=True)
        for item in options["filter"]:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--filter takes NAME=VALUE, not {item!r}.")
            filters.appendlist(name.strip(), value.strip())
        actor = acting_user(options["acting_user"])
        count = 0

        def counted(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
            nonlocal count
            for row in rows:
                count += 1
                yield row

        try:
            export = listing_export(kind, actor=actor, filters=filters)
            with path.open("wb") as out:
                if fmt == "csv":
                    out.writelines(csv_chunks(export.headers, counted(export.rows())))
                else:
                    count = write_xlsx(export, out)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        except ValidationError as exc:
            raise CommandError(f"Bad filter: {exc.detail}") from None
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}.") from None
        note = f" (capped at {export.max_rows}; more rows matched)" if export.truncated else ""
        self.stdout.write(f"{kind.plural}: {count} rows written to {path} ({fmt}){note}.")
