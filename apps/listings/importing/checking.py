"""Checking rows: each record becomes an unsaved listing through the API's serializer and builder, or
row errors. Pure (no ORM) but for :func:`build_context`, which loads what the database says once per file;
:func:`checked_chunks` runs the check in forked worker processes for the command."""

from __future__ import annotations

import multiprocessing
import re
import time
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework import serializers as drf_serializers

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.listings import serializers as listing_serializers
from apps.listings.importing.formats import (
    CHOICE_LABELS,
    CHOICE_SYNONYMS,
    IMPORT_STATUSES,
    KINDS,
    SELF_IMPORT_STATUSES,
    ListingKind,
    RowCode,
    column_index,
)
from apps.listings.importing.reading import ListingFile, Record, RowError
from apps.listings.models import Achievement, ListingStatus
from apps.organizations.access import is_operator, organization_ids
from apps.organizations.models import Organization, VerificationStatus
from apps.reference.models import Industry, TechnologyField


@dataclass(frozen=True)
class OwnerRef:
    id: int
    region_id: str
    verified: bool


@dataclass(frozen=True)
class Vocabulary:
    """Chinese names of the reference codes, so a cell may say 先进制造 instead of 03."""

    technology_fields: Mapping[str, str]  # name (zh or en, lower-cased) → code
    industries: Mapping[str, str]


@dataclass(frozen=True)
class CheckContext:
    """Everything :func:`check_rows` needs from the database, loaded once per file."""

    owners: Mapping[str, OwnerRef]  # credit code → owner
    vocabulary: Vocabulary
    actor_id: int | None
    now: datetime
    default_expiry: date  # an achievement published without an expiry date stays up until then
    headers: Mapping[str, str] = field(default_factory=dict)
    # The operator imports for any verified owner (draft or published); anyone else only for the
    # organisations they belong to, and their rows go to review (or stay drafts), never straight out.
    operator: bool = True
    member_org_ids: frozenset[int] = frozenset()


@dataclass
class CheckedRow:
    """A good row, reduced to what storing needs: it crosses from a worker process as plain values."""

    row: int
    owner_id: int
    fingerprint: str
    status: str
    values: tuple[Any, ...]  # in the order of stored_fields(kind.model)
    industries: list[str]


@dataclass
class CheckedChunk:
    rows: list[CheckedRow]
    errors: list[RowError]
    seconds: float = 0.0


_LIST_SPLIT = re.compile(r"[;；、,，\n]")
_MONEY_NOISE = re.compile(r"[\s,，元¥￥]")
_DATE_CN = re.compile(r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?$")
# Formula-injection guard of the export: a leading ' before = + - @ is taken off again.
_QUOTED_FORMULA = re.compile(r"^'(?=[=+\-@\t\r])")


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return _QUOTED_FORMULA.sub("", value)
    return value


def _split(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [part.strip() for part in _LIST_SPLIT.split(value) if part.strip()]
    return [value]


def _choice(column: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    labels = CHOICE_LABELS.get(column, {})
    if text.lower() in labels:
        return text.lower()
    for code, label in labels.items():
        if text == label:
            return code
    return CHOICE_SYNONYMS.get(column, {}).get(text.lower(), text)


def _code(names: Mapping[str, str], value: Any, *, pad: bool = False) -> Any:
    if not isinstance(value, str | int) or isinstance(value, bool):
        return value
    text = str(value).strip()
    if pad and text.isdigit() and len(text) == 1:
        return text.zfill(2)  # Excel turns the code 03 into the number 3
    return names.get(text.lower(), text)


def _money(value: Any) -> Any:
    return _MONEY_NOISE.sub("", value) if isinstance(value, str) else value


def _date(value: Any) -> Any:
    if isinstance(value, str):
        match = _DATE_CN.match(value.strip())
        if match:
            year, month, day = match.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
        return value.strip()
    return value


def convert_values(kind: ListingKind, values: Mapping[str, Any], vocabulary: Vocabulary) -> dict[str, Any]:
    """Cells as the input serializer expects them: lists split, Chinese names and labels turned into codes."""
    index = column_index(kind.name)
    data: dict[str, Any] = {}
    for name, raw in values.items():
        column = index[name]
        how = column.kind
        value = _text(raw)
        if how == "list":
            value = [_text(v) for v in _split(value)]
        elif how == "choices":
            value = [_choice(name, v) for v in _split(value)]
        elif how == "choice":
            value = _choice(name, value)
        elif how == "field":
            value = _code(vocabulary.technology_fields, value, pad=True)
        elif how == "industries":
            value = [_code(vocabulary.industries, v) for v in _split(value)]
        elif how == "industry":
            value = _code(vocabulary.industries, value)
        elif how == "money":
            value = _money(value)
        elif how == "date":
            value = _date(value)
        data[name] = value
    return data


_STORED_FIELDS: dict[type[Model], list[Any]] = {}


def stored_fields(model: type[Model]) -> list[Any]:
    """The columns an import writes: every concrete field but the id and the generated ones."""
    fields = _STORED_FIELDS.get(model)
    if fields is None:
        fields = _STORED_FIELDS[model] = [
            f for f in model._meta.concrete_fields if not f.primary_key and not f.generated
        ]
    return fields


_SERIALIZERS: dict[tuple[str, str], drf_serializers.Serializer] = {}
_OWNER_OBJECTS: dict[int, Organization] = {}


def _serializer(kind: ListingKind) -> drf_serializers.Serializer:
    # One instance per kind: run_validation() keeps no state, and building the fields costs more than checking.
    # And per language: DRF formats a validator's message once (lazy_format keeps its first rendering).
    key = (kind.name, translation.get_language() or "")
    serializer = _SERIALIZERS.get(key)
    if serializer is None:
        serializer = _SERIALIZERS[key] = kind.serializer_class()
    return serializer


def _owner_object(owner: OwnerRef) -> Organization:
    org = _OWNER_OBJECTS.get(owner.id)
    if org is None or org.region_id != owner.region_id:
        org = _OWNER_OBJECTS[owner.id] = Organization(pk=owner.id, region_id=owner.region_id)
    return org


def _detail_errors(detail: Any, field_name: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            yield from _detail_errors(value, field_name if str(key).isdigit() else str(key))
    elif isinstance(detail, list):
        for item in detail:
            yield from _detail_errors(item, field_name)
    else:
        yield field_name, str(getattr(detail, "code", None) or "invalid"), str(detail)


def check_row(kind: ListingKind, record: Record, context: CheckContext) -> CheckedRow | list[RowError]:
    """One record → an unsaved listing, or every error the row has. No database access."""
    if record.error is not None:
        return [record.error]
    number = record.row
    errors: list[tuple[str, str, str]] = []
    values = dict(record.values)

    credit_code = str(values.pop("owner_credit_code", "") or "").strip().upper()
    owner = context.owners.get(credit_code)
    if not credit_code:
        errors.append(("owner_credit_code", "required", _("Name the owner by its unified social credit code.")))
    elif not context.operator and (owner is None or owner.id not in context.member_org_ids):
        # Unknown and someone else's read the same: an import does not reveal who is registered.
        owner = None
        errors.append(
            ("owner_credit_code", RowCode.NOT_YOURS, _("You can import listings only for your own organisations."))
        )
    elif owner is None:
        errors.append(("owner_credit_code", RowCode.UNKNOWN_OWNER, _("No organisation has this credit code.")))
    elif context.operator and not owner.verified:
        errors.append(
            ("owner_credit_code", RowCode.OWNER_NOT_VERIFIED, _("The owner is not verified by the operator yet."))
        )

    if context.operator:
        status = _choice("status", values.pop("status", ListingStatus.DRAFT))
        if status not in IMPORT_STATUSES:
            errors.append(("status", RowCode.INVALID_STATUS, _("An import creates draft or published listings only.")))
    else:
        verified = owner is not None and owner.verified
        status = _choice("status", values.pop("status", ListingStatus.SUBMITTED if verified else ListingStatus.DRAFT))
        if status not in SELF_IMPORT_STATUSES:
            errors.append(
                ("status", RowCode.INVALID_STATUS, _("Your import creates drafts or listings for review only."))
            )
        elif status == ListingStatus.SUBMITTED and owner is not None and not verified:
            errors.append(
                (
                    "status",
                    RowCode.OWNER_NOT_VERIFIED,
                    _("The organisation must be verified by the operator before its listings can be submitted."),
                )
            )

    data = convert_values(kind, values, context.vocabulary)
    validated: dict[str, Any] | None = None
    try:
        validated = _serializer(kind).run_validation(data)
    except drf_serializers.ValidationError as exc:
        errors.extend(_detail_errors(exc.detail, "row"))

    listing = None
    if validated is not None and owner is not None:
        try:
            # No actor object: it would travel with every row between processes; the id is set below.
            listing = kind.build(actor=None, owner=_owner_object(owner), data=validated)
        except ApplicationError as exc:
            if exc.field_errors:
                for name, messages in exc.field_errors.items():
                    for message in [messages] if isinstance(messages, str) else messages:
                        errors.append((name, exc.code, str(message)))
            else:
                errors.append(("row", exc.code, exc.message))

    if errors or listing is None:
        headers = context.headers
        index = column_index(kind.name)
        return [
            RowError(
                number,
                name,
                code,
                message,
                headers.get(name) or (index[name].header if name in index else ""),
            )
            for name, code, message in errors
        ]

    expiry = getattr(listing, kind.expiry_field)
    if status == ListingStatus.SUBMITTED and expiry is not None and expiry < timezone.localdate(context.now):
        return [
            RowError(
                number,
                kind.expiry_field,
                "date_in_past",
                _("The listing's date has passed: set a new one before submitting."),
                context.headers.get(kind.expiry_field, ""),
            )
        ]
    listing.created_by_id = context.actor_id
    listing.created_at = listing.updated_at = context.now
    listing.status = status
    if status == ListingStatus.SUBMITTED:
        listing.submitted_at = context.now
    if status == ListingStatus.PUBLISHED:
        listing.published_at = listing.reviewed_at = context.now
        listing.reviewed_by_id = context.actor_id
        if isinstance(listing, Achievement) and listing.expires_on is None:
            listing.expires_on = context.default_expiry
    row_values = tuple(getattr(listing, f.attname) for f in stored_fields(kind.model))
    industries = list(validated.get("industries") or []) if validated else []
    return CheckedRow(number, listing.owner_id, listing.fingerprint, status, row_values, industries)


def check_rows(kind: ListingKind, records: Sequence[Record], context: CheckContext) -> CheckedChunk:
    """Parse and validate records into unsaved listings (serializer, builder, jieba) — pure, timeable."""
    started = time.perf_counter()
    rows: list[CheckedRow] = []
    errors: list[RowError] = []
    for record in records:
        result = check_row(kind, record, context)
        if isinstance(result, CheckedRow):
            rows.append(result)
        else:
            errors.extend(result)
    return CheckedChunk(rows, errors, time.perf_counter() - started)


# --- context: what the database says, loaded once ----------------------------------------------


def load_vocabulary() -> Vocabulary:
    fields: dict[str, str] = {}
    for code, name_zh, name_en in TechnologyField.objects.values_list("code", "name_zh", "name_en"):
        fields[name_zh.lower()] = code
        fields[name_en.lower()] = code
    industries: dict[str, str] = {}
    for code, name_zh, name_en in Industry.objects.filter(is_active=True).values_list("code", "name_zh", "name_en"):
        industries[name_zh.lower()] = code
        industries[name_en.lower()] = code
    return Vocabulary(technology_fields=fields, industries=industries)


def load_owners(records: Sequence[Record]) -> dict[str, OwnerRef]:
    codes = {str(r.values.get("owner_credit_code", "")).strip().upper() for r in records} - {""}
    owners: dict[str, OwnerRef] = {}
    codes_list = sorted(codes)
    for start in range(0, len(codes_list), 5000):
        rows = Organization.objects.filter(credit_code__in=codes_list[start : start + 5000]).values_list(
            "credit_code", "pk", "region_id", "verification_status"
        )
        for code, pk, region_id, verification in rows:
            owners[code] = OwnerRef(pk, region_id, verification == VerificationStatus.VERIFIED)
    return owners


def build_context(*, actor: User | None, parsed: ListingFile) -> CheckContext:
    for kind_name in ("technology_field", "industry", "region"):
        listing_serializers.known_codes(kind_name)  # warm the cache before rows (or workers) use it
    operator = actor is None or is_operator(actor)  # no actor: the command, run by the operator
    return CheckContext(
        operator=operator,
        member_org_ids=frozenset() if operator or actor is None else frozenset(organization_ids(actor)),
        owners=load_owners(parsed.records),
        vocabulary=load_vocabulary(),
        actor_id=actor.pk if actor is not None else None,
        now=timezone.now(),
        default_expiry=timezone.localdate() + timedelta(days=settings.LISTING_DEFAULT_VALIDITY_DAYS),
        headers=parsed.headers,
    )


# --- worker processes --------------------------------------------------------------------------

_worker_state: dict[str, Any] = {}


def _worker_init(kind_name: str, context: CheckContext, codes: dict[str, frozenset[str]]) -> None:
    # A forked worker shares the parent's database socket: it must never touch the database (using or
    # closing that connection would break the parent's). Reference codes are frozen at the file's start.
    listing_serializers.known_codes = codes.__getitem__  # type: ignore[assignment]
    _worker_state["kind"] = KINDS[kind_name]
    _worker_state["context"] = context


def _worker_check(records: list[Record]) -> CheckedChunk:
    return check_rows(_worker_state["kind"], records, _worker_state["context"])


def _chunks(records: Sequence[Record], size: int) -> Iterator[list[Record]]:
    for start in range(0, len(records), size):
        yield list(records[start : start + size])


def checked_chunks(
    kind: ListingKind, records: Sequence[Record], context: CheckContext, *, batch_size: int, jobs: int
) -> Generator[CheckedChunk, None, None]:
    """Chunks in file order, checked here (jobs=0) or by ``jobs`` forked processes while the caller stores."""
    if jobs <= 0 or len(records) <= batch_size:
        for chunk in _chunks(records, batch_size):
            yield check_rows(kind, chunk, context)
        return
    codes = {name: listing_serializers.known_codes(name) for name in ("technology_field", "industry", "region")}
    pool = multiprocessing.get_context("fork").Pool(
        jobs, initializer=_worker_init, initargs=(kind.name, context, codes)
    )
    try:
        yield from pool.imap(_worker_check, _chunks(records, batch_size))
    finally:
        pool.terminate()
        pool.join()
