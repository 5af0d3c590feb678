"""Writes of the negotiation: threads, messages with attachments, read state, and who hears of it.

Callers pass the deal and the actor's participation from :func:`apps.negotiation.selectors.access_negotiation`
(which refuses non-participants and parties without the listing's NDA).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.deals.models import Deal, DealParticipant, ParticipantRole
from apps.listings.services import check_upload
from apps.negotiation.models import Message, MessageAttachment, ReadState, Thread
from apps.negotiation.selectors import NegotiationError, Participation
from apps.notifications.models import NotificationKind
from apps.notifications.services import notify


def _participants(deal: Deal) -> list[User]:
    """Everyone who takes part: the active members of both organisations and the deal's brokers."""
    broker_users = DealParticipant.objects.filter(deal=deal, role=ParticipantRole.BROKER).values("broker__user_id")
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(memberships__organization_id__in=[deal.buyer_id, deal.seller_id]) | Q(pk__in=broker_users))
        .distinct()
    )


def _store_attachments(message: Message, uploads: Sequence[UploadedFile]) -> None:
    for upload in uploads:
        name, content_type = check_upload(upload)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        attachment = MessageAttachment(
            message=message,
            original_name=name[:255],
            content_type=content_type,
            size=upload.size or 0,
            sha256=digest.hexdigest(),
        )
        # Stored under a random name: the client's file name never reaches the file system.
        attachment.file.save(f"{os.urandom(16).hex()}{os.path.splitext(name)[1].lower()}", upload, save=False)
        try:
            attachment.save()
        except Exception:
            attachment.file.storage.delete(attachment.file.name or "")
            raise


@transaction.atomic
def message_post(
    *,
    actor: User,
    deal: Deal,
    taking_part: Participation,
    thread: Thread,
    body: str,
    uploads: Sequence[UploadedFile] = (),
) -> Message:
    """Send a message (text, attachments or both) and tell the other participants."""
    body = body.strip()
    if not body and not uploads:
        raise ApplicationError(
            _("Write a message or attach a file."),
            code=NegotiationError.EMPTY_MESSAGE,
            status=400,
            field_errors={"body": _("This field may not be blank.")},
        )
    if len(uploads) > settings.NEGOTIATION_MAX_ATTACHMENTS:
        raise ApplicationError(
            _("At most %(n)d files per message.") % {"n": settings.NEGOTIATION_MAX_ATTACHMENTS},
            code=NegotiationError.TOO_MANY_ATTACHMENTS,
            status=400,
            field_errors={"files": _("Too many files.")},
        )
    message = Message.objects.create(
        thread=thread,
        author=actor,
        author_organization_id=taking_part.organization_id,
        author_role=taking_part.role,
        body=body,
    )
    _store_attachments(message, uploads)
    Thread.objects.filter(pk=thread.pk).update(
        last_message_at=message.created_at, message_count=F("message_count") + 1, updated_at=message.created_at
    )
    # What one writes, one has read.
    ReadState.objects.update_or_create(thread=thread, user=actor, defaults={"last_read_message_id": message.pk})
    notify(
        recipients=[user for user in _participants(deal) if user.pk != actor.pk],
        kind=NotificationKind.NEGOTIATION_MESSAGE,
        title=format_lazy(gettext_lazy("New message in the negotiation of “{deal}”"), deal=deal.title),
        body=format_lazy(gettext_lazy("Thread: {subject}"), subject=thread.subject),
        target=thread,
        email=False,
    )
    return message


@transaction.atomic
def thread_create(
    *,
    actor: User,
    deal: Deal,
    taking_part: Participation,
    subject: str,
    body: str = "",
    uploads: Sequence[UploadedFile] = (),
) -> Thread:
    """Open a thread on ``subject``; with a body or files, its first message too."""
    thread = Thread.objects.create(deal=deal, subject=subject.strip(), created_by=actor)
    if body.strip() or uploads:
        message_post(actor=actor, deal=deal, taking_part=taking_part, thread=thread, body=body, uploads=uploads)
        thread.refresh_from_db()
    return thread


@transaction.atomic
def thread_mark_read(*, actor: User, thread: Thread, up_to_message_id: int | None = None) -> ReadState:
    """Mark the thread read up to a message (default: its last one). Read state never moves back."""
    messages = Message.objects.filter(thread=thread)
    if up_to_message_id is None:
        up_to = messages.order_by("-id").values_list("id", flat=True).first() or 0
    else:
        if not messages.filter(pk=up_to_message_id).exists():
            raise ApplicationError(
                _("No such message in this thread."),
                code=NegotiationError.UNKNOWN_MESSAGE,
                status=400,
                field_errors={"up_to_message_id": _("Unknown message.")},
            )
        up_to = up_to_message_id
    state, _created = ReadState.objects.select_for_update().get_or_create(thread=thread, user=actor)
    if up_to > state.last_read_message_id:
        state.last_read_message_id = up_to
        state.save(update_fields=["last_read_message_id", "updated_at"])
    return state
