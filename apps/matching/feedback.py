"""Feedback on a match: what the parties did with a suggestion, and an outside broker's own progress."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.matching.models import BrokerMatchDismissal, BrokerMatchMark, DismissalReason, Match, MatchState
from apps.matching.selectors import can_give_feedback, is_match_party
from apps.matching.services import MATCH_FEEDBACK, MatchingError


@transaction.atomic
def match_feedback(*, actor: User, match: Match, state: str, reason: str = "", note: str = "") -> Match:
    """Record what a party did with a suggestion: viewed, contacted, or dismissed with a coded reason.

    States only move forward; repeating ``viewed`` or ``contacted`` changes nothing; a dismissal is final.
    A broker outside both organisations dismisses for itself only (:class:`BrokerMatchDismissal`): the
    pair leaves that broker's lists, the parties' match keeps its state and the engine still suggests it.
    Such a broker's ``viewed`` and ``contacted`` are its own progress (:class:`BrokerMatchMark`), moving
    forward like the parties' states; the parties' state is theirs alone.
    """
    if not can_give_feedback(actor=actor, match=match):
        raise ApplicationError(
            _("Only the two organisations and the brokers who follow the field give feedback on a match."),
            code=MatchingError.FEEDBACK_NOT_ALLOWED,
            status=403,
        )
    if state == MatchState.DISMISSED and not reason:
        raise ApplicationError(
            _("Say why the match is dismissed."),
            code=MatchingError.REASON_REQUIRED,
            field_errors={"reason": _("Required when dismissing.")},
        )
    if state != MatchState.DISMISSED and (reason or note):
        raise ApplicationError(
            _("A reason is given only with a dismissal."),
            code=MatchingError.REASON_NOT_ALLOWED,
            field_errors={"reason": _("Only with state dismissed.")},
        )
    if reason and reason not in DismissalReason.values:
        raise ApplicationError(
            _("Unknown dismissal reason."),
            code=MatchingError.UNKNOWN_REASON,
            field_errors={"reason": _("Unknown dismissal reason.")},
        )
    if state == MatchState.DISMISSED and not is_match_party(actor=actor, match=match):
        # Repeating it changes nothing: the first reason stays.
        BrokerMatchDismissal.objects.get_or_create(match=match, user=actor, defaults={"reason": reason, "note": note})
        return Match.objects.select_related("demand", "achievement").get(pk=match.pk)
    if not is_match_party(actor=actor, match=match):
        _broker_mark(actor=actor, match=match, state=state)
        return Match.objects.select_related("demand", "achievement").get(pk=match.pk)
    current = Match.objects.select_for_update().filter(pk=match.pk).values_list("state", flat=True).first()
    if current == state and state != MatchState.DISMISSED:
        return Match.objects.select_related("demand", "achievement").get(pk=match.pk)
    if current is None or not MATCH_FEEDBACK.can(current, state):
        # Checked here rather than left to the lifecycle: the message names the state asked for too.
        raise ApplicationError(
            _("A match that is %(current)s cannot become %(state)s.")
            % {"current": MatchState(current).label if current else "?", "state": MatchState(state).label},
            code=MatchingError.BAD_TRANSITION,
            status=409,
            extra={"current_state": current},
        )
    MATCH_FEEDBACK.move(
        model=Match,
        pk=match.pk,
        action=state,
        dismissal_reason=reason,
        dismissal_note=note,
        feedback_by_id=actor.pk,
        feedback_at=timezone.now(),
    )
    return Match.objects.select_related("demand", "achievement").get(pk=match.pk)


def _broker_mark(*, actor: User, match: Match, state: str) -> None:
    """An outside broker's own viewed/contacted mark: forward only, repeating it changes nothing."""
    mark, created = BrokerMatchMark.objects.select_for_update().get_or_create(
        match=match, user=actor, defaults={"state": state}
    )
    if created or mark.state == state:
        return
    if not MATCH_FEEDBACK.can(mark.state, state):
        raise ApplicationError(
            _("A match that is %(current)s cannot become %(state)s.")
            % {"current": MatchState(mark.state).label, "state": MatchState(state).label},
            code=MatchingError.BAD_TRANSITION,
            status=409,
            extra={"current_state": mark.state},
        )
    mark.state = state
    mark.save(update_fields=["state", "updated_at"])
