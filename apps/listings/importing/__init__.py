"""Bulk import of achievements and demands from CSV or JSON Lines (批量导入).

One path serves the management command and the API:

1. :func:`read_listing_file` decodes the bytes (UTF-8 with or without BOM, else GB18030 as saved by
   Chinese Excel), parses CSV or JSON Lines and maps English or Chinese column names to field names.
2. :func:`check_rows` is pure (no ORM; reference codes come from the serializers' cache, owners from a
   :class:`CheckContext` loaded once): it turns each record into an unsaved listing through the very
   serializer and builder the API uses, or into row errors. It is what the benchmark times, and what the
   command runs in worker processes to use both cores.
3. :func:`import_listings` adds what needs the database, chunk by chunk: duplicates inside the file and
   against stored active listings (the partial unique constraint's rule), then multi-row inserts of the
   listings, their industry links and one :class:`ListingEvent` each, all in one transaction.

Without ``partial`` one bad row stores nothing; with it, good rows are stored and bad rows reported.
"""

from apps.listings.importing.checking import (
    CheckContext,
    CheckedChunk,
    CheckedRow,
    OwnerRef,
    Vocabulary,
    build_context,
    check_row,
    check_rows,
    checked_chunks,
    convert_values,
    load_owners,
    load_vocabulary,
    stored_fields,
)
from apps.listings.importing.formats import (
    ACHIEVEMENT_COLUMNS,
    ACHIEVEMENT_KIND,
    CHOICE_LABELS,
    DEFAULT_BATCH_SIZE,
    DEMAND_COLUMNS,
    DEMAND_KIND,
    IMPORT_EXTENSIONS,
    IMPORT_STATUSES,
    KINDS,
    MAX_REPORTED_ERRORS,
    BulkError,
    Column,
    ListingKind,
    RowCode,
    default_jobs,
)
from apps.listings.importing.reading import ListingFile, Record, RowError, decode_text, file_format, read_listing_file
from apps.listings.importing.storing import ImportResult, ProgressCallback, import_listings, import_report, queue_import

__all__ = [
    "ACHIEVEMENT_COLUMNS",
    "ACHIEVEMENT_KIND",
    "CHOICE_LABELS",
    "DEFAULT_BATCH_SIZE",
    "DEMAND_COLUMNS",
    "DEMAND_KIND",
    "IMPORT_EXTENSIONS",
    "IMPORT_STATUSES",
    "KINDS",
    "MAX_REPORTED_ERRORS",
    "BulkError",
    "CheckContext",
    "CheckedChunk",
    "CheckedRow",
    "Column",
    "ImportResult",
    "ListingFile",
    "ListingKind",
    "OwnerRef",
    "ProgressCallback",
    "Record",
    "RowCode",
    "RowError",
    "Vocabulary",
    "build_context",
    "check_row",
    "check_rows",
    "checked_chunks",
    "convert_values",
    "decode_text",
    "default_jobs",
    "file_format",
    "import_listings",
    "import_report",
    "load_owners",
    "load_vocabulary",
    "queue_import",
    "read_listing_file",
    "stored_fields",
]
