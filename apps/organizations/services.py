"""Writes of organisations and memberships. Keyword-only, atomic, refusals as ApplicationError."""

from __future__ import annotations

import hashlib
import os
from enum import StrEnum
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.changes import record_model_changes
from apps.core.errors import ApplicationError
from apps.notifications.services import notify
from apps.organizations.access import forget_memberships, is_operator, operator_users, require_operator
from apps.organizations.models import (
    CHINA,
    Membership,
    MembershipRole,
    Organization,
    OrganizationType,
    VerificationDocument,
    VerificationStatus,
)
from apps.organizations.registration_ids import normalise_registration_id, registration_id_problem
from apps.reference.models import Country, EntityType, Region


class OrganizationError(StrEnum):
    DUPLICATE_CREDIT_CODE = "duplicate_credit_code"
    UNKNOWN_REGION = "unknown_region"
    UNKNOWN_ENTITY_TYPE = "unknown_entity_type"
    ALREADY_DECIDED = "verification_already_decided"
    REASON_REQUIRED = "rejection_reason_required"
    VERIFIED_IMMUTABLE = "verified_field_immutable"
    UNKNOWN_USER = "unknown_user"
    ALREADY_MEMBER = "already_member"
    LAST_ADMIN = "last_admin"
    OPERATOR_TYPE_RESERVED = "operator_type_reserved"
    UNKNOWN_COUNTRY = "unknown_country"
    IDENTIFIER_MISMATCH = "identifier_not_for_country"
    INVALID_REGISTRATION_ID = "invalid_registration_id"
    DUPLICATE_REGISTRATION_ID = "duplicate_registration_id"
    DOCUMENT_TYPE = "document_type_not_allowed"
    DOCUMENT_TOO_LARGE = "document_too_large"
    DOCUMENT_LIMIT = "document_limit"


UPDATABLE_FIELDS = frozenset(
    {
        "country",
        "name",
        "name_en",
        "short_name",
        "region_code",
        "entity_type_code",
        "address",
        "website",
        "description",
        "contact_email",
        "contact_phone",
        "credit_code",
        "registration_id",
        "foreign_region",
    }
)
# Fields the operator checked when verifying: changing them sends the organisation back to review.
VERIFIED_FIELDS = frozenset({"name", "credit_code", "registration_id"})


def _region(code: str) -> Region:
    region = Region.objects.filter(pk=code).first()
    if region is None:
        raise ApplicationError(
            _("Unknown region code %(code)s.") % {"code": code},
            code=OrganizationError.UNKNOWN_REGION,
            field_errors={"region_code": _("Unknown region code.")},
        )
    return region


def _entity_type(code: str) -> EntityType:
    entity_type = EntityType.objects.filter(pk=code).first()
    if entity_type is None:
        raise ApplicationError(
            _("Unknown entity type code %(code)s.") % {"code": code},
            code=OrganizationError.UNKNOWN_ENTITY_TYPE,
            field_errors={"entity_type_code": _("Unknown entity type code.")},
        )
    return entity_type


def _check_credit_code_free(credit_code: str, exclude_pk: int | None = None) -> None:
    qs = Organization.objects.filter(credit_code=credit_code)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ApplicationError(
            _("An organisation with this unified social credit code is already registered."),
            code=OrganizationError.DUPLICATE_CREDIT_CODE,
            status=409,
            field_errors={"credit_code": _("Already registered.")},
        )


def _check_registration_id_free(organization: Organization) -> None:
    if not organization.registration_id:
        return
    taken = (
        Organization.objects.filter(country=organization.country_id, registration_id=organization.registration_id)
        .exclude(pk=organization.pk)
        .exists()
    )
    if taken:
        raise ApplicationError(
            _("An organisation with this registration number is already registered in this country."),
            code=OrganizationError.DUPLICATE_REGISTRATION_ID,
            status=409,
            field_errors={"registration_id": _("Already registered.")},
        )


def _country(alpha2: str) -> Country:
    country = Country.objects.filter(alpha2=alpha2.upper()).first()
    if country is None:
        raise ApplicationError(
            _("Unknown country code %(code)s.") % {"code": alpha2[:8]},
            code=OrganizationError.UNKNOWN_COUNTRY,
            field_errors={"country": _("Unknown ISO 3166-1 alpha-2 country code.")},
        )
    return country


def _place(
    organization: Organization, *, country: str, credit_code: str, region_code: str, registration_id: str
) -> None:
    """Set where the organisation is registered and under which identifier, checking the pair fits."""
    found = _country(country)
    organization.country = found
    if found.pk == CHINA:
        errors = {}
        if not credit_code:
            errors["credit_code"] = _("Required for an organisation in China.")
        if not region_code:
            errors["region_code"] = _("Required for an organisation in China.")
        if registration_id:
            errors["registration_id"] = _("An organisation in China is identified by its credit code.")
        if organization.foreign_region:
            errors["foreign_region"] = _("An organisation in China gives its region code instead.")
        if errors:
            raise ApplicationError(
                _("An organisation in China needs a unified social credit code and a region code."),
                code=OrganizationError.IDENTIFIER_MISMATCH,
                field_errors=errors,
            )
        _check_credit_code_free(credit_code, exclude_pk=organization.pk)
        organization.credit_code, organization.region, organization.registration_id = (
            credit_code,
            _region(region_code),
            "",
        )
        return
    errors = {}
    if credit_code:
        errors["credit_code"] = _("Only organisations in China have a unified social credit code.")
    if region_code:
        errors["region_code"] = _("An organisation outside China has no Chinese region; use foreign_region.")
    if errors:
        raise ApplicationError(
            _("An organisation outside China is identified by its registration number in its country."),
            code=OrganizationError.IDENTIFIER_MISMATCH,
            field_errors=errors,
        )
    normalised = normalise_registration_id(found.alpha2, registration_id)
    problem = registration_id_problem(found.alpha2, normalised)
    if problem:
        raise ApplicationError(
            problem, code=OrganizationError.INVALID_REGISTRATION_ID, field_errors={"registration_id": problem}
        )
    organization.credit_code, organization.region, organization.registration_id = "", None, normalised
    _check_registration_id_free(organization)


def _operators() -> list[User]:
    return list(operator_users())


def _admins(organization: Organization) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organization=organization, memberships__role=MembershipRole.ADMIN, is_active=True
        )
    )


@transaction.atomic
def organization_create(
    *,
    actor: User,
    name: str,
    type: str,
    entity_type_code: str,
    country: str = "CN",
    credit_code: str = "",
    region_code: str = "",
    registration_id: str = "",
    **optional: Any,
) -> Organization:
    """Register an organisation; its creator becomes its first admin. It starts pending verification.

    In China (``country`` "CN", the default) it needs a unified social credit code and a region; elsewhere
    the registration number of its country (validated per country) and no Chinese region.
    """
    if type == OrganizationType.MARKET_OPERATOR and not is_operator(actor):
        raise ApplicationError(
            _("Only the market operator can register an operator organisation."),
            code=OrganizationError.OPERATOR_TYPE_RESERVED,
            status=403,
        )
    organization = Organization(
        name=name,
        type=type,
        entity_type=_entity_type(entity_type_code),
        **{k: v for k, v in optional.items() if k in UPDATABLE_FIELDS},
    )
    _place(
        organization, country=country, credit_code=credit_code, region_code=region_code, registration_id=registration_id
    )
    # Country, region, entity type and the identifiers' uniqueness were checked above; don't query them again.
    organization.full_clean(
        exclude=["region", "entity_type", "verified_by", "country"], validate_unique=False, validate_constraints=False
    )
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError:  # a concurrent registration of the same code won the race
        _check_credit_code_free(organization.credit_code)
        _check_registration_id_free(organization)
        raise
    Membership.objects.create(user=actor, organization=organization, role=MembershipRole.ADMIN)
    forget_memberships(actor)
    notify(
        recipients=_operators(),
        kind="organization.submitted",
        title=format_lazy(gettext_lazy("New organisation awaiting verification: {name}"), name=organization.name),
        body=format_lazy(
            gettext_lazy("{name} ({code}) registered and awaits verification."),
            name=organization.name,
            code=organization.credit_code or f"{organization.country.alpha2} {organization.registration_id}",
        ),
        target=organization,
    )
    return organization


@transaction.atomic
def organization_update(*, actor: User, organization: Organization, data: dict[str, Any]) -> Organization:
    """Change an organisation's profile. Changing a verified name or credit code re-opens verification."""
    before = {field: getattr(organization, field) for field in VERIFIED_FIELDS}
    before_country = organization.country_id
    for field, value in data.items():
        if field not in UPDATABLE_FIELDS:
            continue
        if field == "entity_type_code":
            organization.entity_type = _entity_type(value)
        elif field not in {"country", "region_code", "credit_code", "registration_id"}:
            setattr(organization, field, value)
    if {"country", "region_code", "credit_code", "registration_id"} & set(data):
        country = data.get("country", organization.country.alpha2).upper()
        # Moving to another country drops the identifiers of the old one unless given again.
        moved = country != organization.country.alpha2
        _place(
            organization,
            country=country,
            credit_code=data.get("credit_code", "" if moved else organization.credit_code),
            region_code=data.get("region_code", "" if moved else organization.region_id or ""),
            registration_id=data.get("registration_id", "" if moved else organization.registration_id),
        )
    changed_verified = organization.country_id != before_country or any(
        getattr(organization, field) != value for field, value in before.items()
    )
    if changed_verified and organization.verification_status != VerificationStatus.PENDING:
        organization.verification_status = VerificationStatus.PENDING
        organization.verified_at = None
        organization.verified_by = None
    # The identifiers' uniqueness and fit with the country were checked above; don't query them again.
    organization.full_clean(
        exclude=["region", "entity_type", "verified_by", "country"], validate_unique=False, validate_constraints=False
    )
    organization.save()
    return organization


@transaction.atomic
def organization_verify(*, actor: User, organization: Organization, approve: bool, reason: str = "") -> Organization:
    """The operator's decision on a pending organisation."""
    require_operator(actor, _("Only the market operator verifies organisations."))
    if not approve and not reason.strip():
        raise ApplicationError(
            _("A rejection needs a reason."),
            code=OrganizationError.REASON_REQUIRED,
            field_errors={"reason": _("Required when rejecting.")},
        )
    new_status = VerificationStatus.VERIFIED if approve else VerificationStatus.REJECTED
    # Conditional update: two operators deciding at once cannot both win.
    updated = Organization.objects.filter(pk=organization.pk, verification_status=VerificationStatus.PENDING).update(
        verification_status=new_status,
        verified_at=timezone.now() if approve else None,
        verified_by=actor,
        rejection_reason="" if approve else reason.strip(),
        updated_at=timezone.now(),
    )
    record_model_changes(Organization, [organization.pk] if updated else [])
    if not updated:
        raise ApplicationError(
            _("This organisation is not pending verification."), code=OrganizationError.ALREADY_DECIDED, status=409
        )
    organization.refresh_from_db()
    title: str | Promise
    body: str | Promise
    if approve:
        title = format_lazy(gettext_lazy("{name} has been verified"), name=organization.name)
        body = gettext_lazy("Your organisation can now publish and trade on the technology market.")
    else:
        title = format_lazy(gettext_lazy("{name} was not verified"), name=organization.name)
        body = format_lazy(gettext_lazy("Reason: {reason}"), reason=organization.rejection_reason)
    notify(
        recipients=_admins(organization), kind="organization.verification", title=title, body=body, target=organization
    )
    return organization


@transaction.atomic
def membership_add(*, actor: User, organization: Organization, email: str, role: str) -> Membership:
    user = User.objects.filter(email__iexact=email.strip(), is_service_account=False, is_active=True).first()
    if user is None:
        raise ApplicationError(
            _("No active user has this e-mail address. Ask them to sign up first."),
            code=OrganizationError.UNKNOWN_USER,
            field_errors={"email": _("No such user.")},
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    if not created:
        raise ApplicationError(_("This user is already a member."), code=OrganizationError.ALREADY_MEMBER, status=409)
    notify(
        recipients=[user],
        kind="organization.membership",
        title=format_lazy(gettext_lazy("You were added to {name}"), name=organization.name),
        body=format_lazy(
            gettext_lazy("{actor} added you as {role}."), actor=str(actor), role=MembershipRole(role).label
        ),
        target=organization,
    )
    return membership


def _ensure_admin_remains(organization: Organization, leaving: Membership) -> None:
    # Lock the organisation's admin rows so two simultaneous demotions cannot remove the last admin.
    admins = list(
        Membership.objects.select_for_update()
        .filter(organization=organization, role=MembershipRole.ADMIN)
        .values_list("pk", flat=True)
    )
    if leaving.role == MembershipRole.ADMIN and [pk for pk in admins if pk != leaving.pk] == []:
        raise ApplicationError(
            _("An organisation needs at least one administrator."), code=OrganizationError.LAST_ADMIN, status=409
        )


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    if role != MembershipRole.ADMIN:
        _ensure_admin_remains(membership.organization, membership)
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    _ensure_admin_remains(membership.organization, membership)
    membership.delete()


# --- verification documents ------------------------------------------------------------------------

# Scans and PDFs only, recognised by their first bytes (a renamed executable is refused).
DOCUMENT_TYPES: dict[str, tuple[str, bytes]] = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
}
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENTS_MAX = 10


def _check_document(upload: UploadedFile) -> tuple[str, str]:
    name = os.path.basename(upload.name or "")
    ext = os.path.splitext(name)[1].lower()
    kind = DOCUMENT_TYPES.get(ext)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if kind is None or not head.startswith(kind[1]):
        raise ApplicationError(
            _("A verification document is a PDF, PNG or JPEG file."),
            code=OrganizationError.DOCUMENT_TYPE,
            status=415,
            field_errors={"file": _("Unsupported file type.")},
        )
    if upload.size is None or upload.size > DOCUMENT_MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than %(mb)d MB.") % {"mb": DOCUMENT_MAX_BYTES // 1_048_576},
            code=OrganizationError.DOCUMENT_TOO_LARGE,
            status=413,
            field_errors={"file": _("Too large.")},
        )
    return name, kind[0]


@transaction.atomic
def verification_document_add(
    *, actor: User, organization: Organization, upload: UploadedFile, kind: str
) -> VerificationDocument:
    """An admin of the organisation hands the operator a document for its verification."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    name, content_type = _check_document(upload)
    if VerificationDocument.objects.filter(organization=organization).count() >= DOCUMENTS_MAX:
        raise ApplicationError(
            _("An organisation can hand in at most %(n)d documents.") % {"n": DOCUMENTS_MAX},
            code=OrganizationError.DOCUMENT_LIMIT,
            status=409,
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = VerificationDocument(
        organization=organization,
        kind=kind,
        original_name=name[:255],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    # Stored under a random name: the client's file name never reaches the file system.
    document.file.save(f"{os.urandom(16).hex()}{os.path.splitext(name)[1].lower()}", upload, save=False)
    try:
        document.save()
    except Exception:
        document.file.storage.delete(document.file.name or "")
        raise
    return document
