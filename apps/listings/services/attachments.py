"""Attachments of a listing: upload checks on the bytes, storage under a random name, deletion."""

from __future__ import annotations

import hashlib
import os

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.listings.models import Attachment
from apps.listings.services.common import Listing, ListingError, check_owner_member, link_name

# Allowed uploads: extension → (content type, how the file must start). Checked on the bytes, not
# the name the client sent, so a renamed executable is refused.
_ZIP = b"PK\x03\x04"
ATTACHMENT_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (_ZIP,)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (_ZIP,)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (_ZIP,)),
    ".txt": ("text/plain; charset=utf-8", None),
}


def check_upload(upload: UploadedFile) -> tuple[str, str]:
    """The safe base name and the content type of an allowed upload; refuses the rest (413, 415)."""
    name = os.path.basename(upload.name or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in ATTACHMENT_TYPES:
        raise ApplicationError(
            _("Files of this type cannot be attached; allowed: %(types)s.") % {"types": ", ".join(ATTACHMENT_TYPES)},
            code=ListingError.ATTACHMENT_TYPE,
            status=415,
            field_errors={"file": _("Unsupported file type.")},
        )
    if upload.size is None or upload.size > settings.LISTING_ATTACHMENT_MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than %(mb)d MB.") % {"mb": settings.LISTING_ATTACHMENT_MAX_BYTES // 1_048_576},
            code=ListingError.ATTACHMENT_TOO_LARGE,
            status=413,
            field_errors={"file": _("Too large.")},
        )
    content_type, signatures = ATTACHMENT_TYPES[ext]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if signatures is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character may be cut at the end of the sample.
            if exc.start < len(head) - 3:
                raise _type_mismatch(ext) from None
    elif not head.startswith(signatures):
        raise _type_mismatch(ext)
    return name, content_type


def _type_mismatch(ext: str) -> ApplicationError:
    return ApplicationError(
        _("The file's content is not a %(ext)s file.") % {"ext": ext},
        code=ListingError.ATTACHMENT_TYPE,
        status=415,
        field_errors={"file": _("Content does not match the file type.")},
    )


@transaction.atomic
def attachment_add(*, actor: User, listing: Listing, upload: UploadedFile, is_public: bool = False) -> Attachment:
    check_owner_member(actor=actor, listing=listing)
    type(listing).objects.select_for_update().filter(pk=listing.pk).first()
    name, content_type = check_upload(upload)
    link = link_name(listing)
    if Attachment.objects.filter(**{link: listing}).count() >= settings.LISTING_ATTACHMENTS_MAX:
        raise ApplicationError(
            _("A listing can have at most %(n)d attachments.") % {"n": settings.LISTING_ATTACHMENTS_MAX},
            code=ListingError.ATTACHMENT_LIMIT,
            status=409,
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        **{link: listing},
        original_name=name[:255],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        is_public=is_public,
        uploaded_by=actor,
    )
    # Stored under a random name: the client's file name never reaches the file system.
    attachment.file.save(f"{os.urandom(16).hex()}{os.path.splitext(name)[1].lower()}", upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name or "")
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    check_owner_member(actor=actor, listing=attachment.listing)
    storage, path = attachment.file.storage, attachment.file.name or ""
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(path))
