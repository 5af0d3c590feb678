"""What the trading services share: the error codes, the lifecycles, permission checks and recipients."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.core.evidence import record_evidence
from apps.core.lifecycle import Lifecycle, Transition
from apps.organizations.access import actor_memberships, is_operator
from apps.organizations.models import Organization, OrganizationType
from apps.trading.models import DepositStatus, ObjectionStatus, Sale, SaleStatus


class TradingError(StrEnum):
    NOT_SELLER = "trading_not_seller"
    SELLER_NOT_VERIFIED = "trading_seller_not_verified"
    UNKNOWN_ACHIEVEMENT = "trading_unknown_achievement"
    ACHIEVEMENT_NOT_PUBLISHED = "trading_achievement_not_published"
    ALREADY_LISTED = "trading_already_listed"
    NOTICE_REQUIRED = "trading_notice_required"
    BAD_TERMS = "trading_bad_terms"
    BAD_TRANSITION = "trading_bad_transition"
    NOT_IN_NOTICE = "trading_not_in_notice"
    NOTICE_RUNNING = "trading_notice_running"
    OBJECTION_PENDING = "trading_objection_pending"
    WRONG_MODE = "trading_wrong_mode"
    OWN_SALE = "trading_own_sale"
    BUYER_NOT_VERIFIED = "trading_buyer_not_verified"
    ALREADY_REGISTERED = "trading_already_registered"
    REGISTRATION_CLOSED = "trading_registration_closed"
    NOT_REGISTERED = "trading_not_registered"
    DEPOSIT_NOT_HELD = "trading_deposit_not_held"
    AUCTION_NOT_RUNNING = "trading_auction_not_running"
    BID_TOO_LOW = "trading_bid_too_low"
    ALREADY_LEADING = "trading_already_leading"
    AUCTION_NOT_ENDED = "trading_auction_not_ended"
    HAS_BIDS = "trading_has_bids"
    OBJECTION_RESOLVED = "trading_objection_resolved"
    DEPOSIT_BAD_TRANSITION = "trading_deposit_bad_transition"
    REASON_REQUIRED = "trading_reason_required"


SALE_LIFECYCLE = Lifecycle(
    transitions={
        "sell": Transition(sources=(SaleStatus.LISTED,), target=SaleStatus.SOLD),
        "close_unsold": Transition(sources=(SaleStatus.LISTED,), target=SaleStatus.UNSOLD),
        "withdraw": Transition(sources=(SaleStatus.LISTED,), target=SaleStatus.WITHDRAWN),
        "suspend": Transition(sources=(SaleStatus.LISTED,), target=SaleStatus.SUSPENDED),
    },
    error_code=TradingError.BAD_TRANSITION,
    message=gettext_lazy("A sale that is %(status)s cannot be moved this way."),
    labels=SaleStatus,
)

OBJECTION_LIFECYCLE = Lifecycle(
    transitions={
        "uphold": Transition(sources=(ObjectionStatus.PENDING,), target=ObjectionStatus.UPHELD),
        "dismiss": Transition(sources=(ObjectionStatus.PENDING,), target=ObjectionStatus.DISMISSED),
    },
    error_code=TradingError.OBJECTION_RESOLVED,
    message=gettext_lazy("An objection that is %(status)s cannot be resolved again."),
    labels=ObjectionStatus,
)

DEPOSIT_LIFECYCLE = Lifecycle(
    transitions={
        "confirm": Transition(sources=(DepositStatus.PENDING,), target=DepositStatus.HELD),
        "refund": Transition(sources=(DepositStatus.PENDING, DepositStatus.HELD), target=DepositStatus.REFUNDED),
        "apply": Transition(sources=(DepositStatus.HELD,), target=DepositStatus.APPLIED),
        "forfeit": Transition(sources=(DepositStatus.HELD, DepositStatus.APPLIED), target=DepositStatus.FORFEITED),
    },
    error_code=TradingError.DEPOSIT_BAD_TRANSITION,
    message=gettext_lazy("A deposit that is %(status)s cannot be moved this way."),
    labels=DepositStatus,
)

# Public universities and research institutes must publish a notice before they sell (科技成果转化).
PUBLIC_INSTITUTION_TYPES = frozenset({OrganizationType.UNIVERSITY, OrganizationType.RESEARCH_INSTITUTE})


def is_public_institution(organization: Organization) -> bool:
    """A university or research institute, or any public institution (entity type 02x)."""
    return organization.type in PUBLIC_INSTITUTION_TYPES or str(organization.entity_type_id).startswith("02")


def is_seller_member(actor: User, sale: Sale) -> bool:
    return sale.seller_id in actor_memberships(actor)


def check_seller_or_operator(*, actor: User, sale: Sale) -> None:
    """Sellers manage their own sales; the operator any. Others may see a sale but not act on it (403)."""
    if not is_operator(actor) and not is_seller_member(actor, sale):
        raise ApplicationError(
            _("Only the seller's members or the market operator may do this."),
            code=TradingError.NOT_SELLER,
            status=403,
        )


def members_of(*organization_ids: int | None) -> list[User]:
    """The active people of these organisations (who hear of what happens to their sale or bid)."""
    ids = [pk for pk in organization_ids if pk is not None]
    return list(
        User.objects.filter(memberships__organization_id__in=ids, is_active=True, is_service_account=False).distinct()
    )


def attest(*, sale: Sale, event: str, actor: User | None, payload: dict[str, Any], stream: str = "trading") -> None:
    """Record a trading event in the evidence chain (apps.core.evidence), in the caller's transaction:
    ``stream`` "trading" for listings, objections, deposits and results, "bids" for every accepted bid."""
    record_evidence(
        stream=stream,
        subject_type="sale",
        subject_id=sale.pk,
        event=event,
        payload=payload,
        actor_id=actor.pk if actor is not None else None,
    )
