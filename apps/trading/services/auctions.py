"""Auctions (竞价): bidder registration and deposits (保证金), bids with proxy maximums and the anti-sniping
extension, and the close (winner, results, deposits refunded or applied).

Every bid runs in one transaction holding the auction row's lock (``SELECT … FOR UPDATE``): bids from
parallel clients are admitted one at a time, each sees the price the previous one left, so there is one
leader, no lost bid (each accepted bid is stored with its sequence number) and a bid that is no longer
high enough is refused with ``trading_bid_too_low`` and the current price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.notifications.services import notify
from apps.organizations.access import actor_memberships, require_operator
from apps.trading import rules
from apps.trading.models import Bid, Bidder, Deposit, DepositStatus, Sale, SaleMode, SaleStatus
from apps.trading.services.common import (
    DEPOSIT_LIFECYCLE,
    SALE_LIFECYCLE,
    TradingError,
    attest,
    check_seller_or_operator,
    members_of,
)
from apps.trading.services.sales import buyer_organization, check_open_for_trade, lock_sale, open_deal, refund_deposits


def _check_auction(sale: Sale) -> None:
    if sale.mode != SaleMode.AUCTION:
        raise ApplicationError(
            _("This sale is at a fixed price: accept it instead."), code=TradingError.WRONG_MODE, status=409
        )


@transaction.atomic
def bidder_register(
    *, actor: User, sale: Sale, organization_id: int | None = None, payment_reference: str = ""
) -> Deposit:
    """An organisation registers to bid and records its deposit payment (pending until the operator
    confirms it). Registration is open from the listing until bidding ends; the bidder number is the next
    one of the auction."""
    _check_auction(sale)
    organization = buyer_organization(actor=actor, sale=sale, organization_id=organization_id)
    sale = lock_sale(sale)
    if sale.status != SaleStatus.LISTED or (sale.ends_at is not None and timezone.now() >= sale.ends_at):
        raise ApplicationError(
            _("Registration for this auction is closed."),
            code=TradingError.REGISTRATION_CLOSED,
            status=409,
            extra={"current_status": sale.status},
        )
    if Bidder.objects.filter(sale=sale, organization=organization).exists():
        raise ApplicationError(
            _("This organisation is already registered for the auction."),
            code=TradingError.ALREADY_REGISTERED,
            status=409,
        )
    number = (Bidder.objects.filter(sale=sale).aggregate(n=Max("number"))["n"] or 0) + 1
    bidder = Bidder.objects.create(sale=sale, organization=organization, number=number, registered_by=actor)
    deposit = Deposit.objects.create(
        bidder=bidder, sale=sale, amount=sale.deposit_amount or Decimal("0.00"), payment_reference=payment_reference
    )
    if deposit.amount == 0:
        # Nothing to pay: the deposit is held at once.
        DEPOSIT_LIFECYCLE.move(model=Deposit, pk=deposit.pk, action="confirm", confirmed_at=timezone.now())
        deposit.refresh_from_db()
    attest(
        sale=sale,
        event="trading.bidder_registered",
        actor=actor,
        payload={"bidder_number": number, "organization_id": organization.pk, "deposit_amount": deposit.amount},
    )
    return deposit


@transaction.atomic
def deposit_confirm(*, actor: User, deposit: Deposit, payment_reference: str = "") -> Deposit:
    """The operator confirms the deposit was received: it is held and the bidder may bid."""
    require_operator(actor)
    changes: dict = {"confirmed_by_id": actor.pk, "confirmed_at": timezone.now()}
    if payment_reference:
        changes["payment_reference"] = payment_reference[:100]
    DEPOSIT_LIFECYCLE.move(model=Deposit, pk=deposit.pk, action="confirm", **changes)
    deposit.refresh_from_db()
    attest(
        sale=deposit.sale,
        event="trading.deposit_held",
        actor=actor,
        payload={"deposit_id": deposit.pk, "bidder_number": deposit.bidder.number, "amount": deposit.amount},
    )
    notify(
        recipients=members_of(deposit.bidder.organization_id),
        kind="trading.deposit",
        title=format_lazy(gettext_lazy("Deposit received: {title}"), title=deposit.sale.title),
        body=format_lazy(gettext_lazy("Your bidder number is {number}."), number=deposit.bidder.number),
        target=deposit.sale,
    )
    return deposit


@transaction.atomic
def deposit_forfeit(*, actor: User, deposit: Deposit, reason: str) -> Deposit:
    """The operator forfeits a deposit: typically the winner's, when it fails to sign by the deadline."""
    require_operator(actor)
    if not reason.strip():
        raise ApplicationError(
            _("Say why the deposit is forfeited."),
            code=TradingError.REASON_REQUIRED,
            field_errors={"reason": _("Required.")},
        )
    DEPOSIT_LIFECYCLE.move(
        model=Deposit, pk=deposit.pk, action="forfeit", settled_at=timezone.now(), note=reason.strip()[:1000]
    )
    deposit.refresh_from_db()
    attest(
        sale=deposit.sale,
        event="trading.deposit_forfeited",
        actor=actor,
        payload={"deposit_id": deposit.pk, "bidder_number": deposit.bidder.number, "amount": deposit.amount},
    )
    notify(
        recipients=members_of(deposit.bidder.organization_id),
        kind="trading.deposit",
        title=format_lazy(gettext_lazy("Deposit forfeited: {title}"), title=deposit.sale.title),
        body=deposit.note,
        target=deposit.sale,
    )
    return deposit


@dataclass(frozen=True)
class BidResult:
    sale: Sale
    bids: list[Bid]
    bidder: Bidder

    @property
    def leading(self) -> bool:
        return self.sale.leader_id == self.bidder.pk


def _bidder_of(*, actor: User, sale: Sale, organization_id: int | None) -> Bidder:
    memberships = actor_memberships(actor)
    bidders = list(Bidder.objects.select_related("deposit").filter(sale=sale, organization_id__in=list(memberships)))
    if organization_id is not None:
        bidders = [b for b in bidders if b.organization_id == organization_id]
    if len(bidders) != 1:
        raise ApplicationError(
            _("Register for the auction and pay the deposit before bidding."),
            code=TradingError.NOT_REGISTERED,
            status=403,
            field_errors={"organization_id": _("Say which registered organisation bids.")} if bidders else {},
        )
    bidder = bidders[0]
    if bidder.deposit.status != DepositStatus.HELD:
        raise ApplicationError(
            _("Your deposit has not been confirmed yet."),
            code=TradingError.DEPOSIT_NOT_HELD,
            status=409,
            extra={"deposit_status": bidder.deposit.status},
        )
    return bidder


@transaction.atomic
def auction_bid(
    *,
    actor: User,
    sale: Sale,
    amount: Decimal,
    max_amount: Decimal | None = None,
    organization_id: int | None = None,
) -> BidResult:
    """Bid ``amount`` (at least the current price plus one increment; the starting price first), with an
    optional proxy maximum. The leader may only raise its maximum (send ``max_amount`` above the old one).

    A bid within the last ``extension_minutes`` moves the end to ``extension_minutes`` after the bid.
    """
    _check_auction(sale)
    sale = lock_sale(sale)
    bidder = _bidder_of(actor=actor, sale=sale, organization_id=organization_id)
    check_open_for_trade(sale)
    now = timezone.now()
    assert sale.starts_at is not None and sale.ends_at is not None and sale.increment is not None  # noqa: S101
    if not sale.starts_at <= now < sale.ends_at:
        raise ApplicationError(
            _("Bidding is not open now."),
            code=TradingError.AUCTION_NOT_RUNNING,
            status=409,
            extra={"starts_at": sale.starts_at.isoformat(), "ends_at": sale.ends_at.isoformat()},
        )
    if max_amount is not None and max_amount < amount:
        raise ApplicationError(
            _("The maximum cannot be below the bid."),
            code=TradingError.BAD_TERMS,
            field_errors={"max_amount": _("At least the bid amount.")},
        )
    leader = Bidder.objects.filter(pk=sale.leader_id).first() if sale.leader_id else None
    state = rules.AuctionState(
        start_price=sale.price,
        increment=sale.increment,
        price=sale.current_price,
        leader=sale.leader_id,
        leader_max=leader.max_amount if leader else None,
    )
    if leader is not None and leader.pk == bidder.pk:
        return _raise_maximum(sale=sale, bidder=bidder, state=state, max_amount=max_amount)
    try:
        outcome = rules.resolve_bid(state, bidder=bidder.pk, amount=amount, maximum=max_amount)
    except rules.BidTooLow as refused:
        raise _too_low(sale=sale, minimum=refused.minimum) from None
    placed = [
        Bid(
            sale=sale,
            bidder_id=b.bidder,
            sequence=sale.bid_count + i,
            amount=b.amount,
            is_proxy=b.is_proxy,
            placed_by=actor if b.bidder == bidder.pk and not b.is_proxy else None,
            placed_at=now,
        )
        for i, b in enumerate(outcome.bids, start=1)
    ]
    Bid.objects.bulk_create(placed)
    own_max = max(amount, max_amount if max_amount is not None else amount)
    Bidder.objects.filter(pk=bidder.pk).update(max_amount=own_max, max_set_at=now, updated_at=now)
    ends_at = sale.ends_at
    extended = False
    window = timedelta(minutes=sale.extension_minutes)
    if sale.extension_minutes and ends_at - now < window:
        ends_at, extended = now + window, True
    Sale.objects.filter(pk=sale.pk).update(
        current_price=outcome.state.price,
        leader_id=outcome.state.leader,
        bid_count=sale.bid_count + len(placed),
        ends_at=ends_at,
        extension_count=sale.extension_count + (1 if extended else 0),
        updated_at=now,
    )
    previous_leader = sale.leader_id
    numbers = dict(Bidder.objects.filter(pk__in={b.bidder for b in outcome.bids}).values_list("pk", "number"))
    for placed_bid in placed:
        attest(
            sale=sale,
            stream="bids",
            event="trading.bid",
            actor=placed_bid.placed_by,
            payload={
                "sequence": placed_bid.sequence,
                "bidder_number": numbers[placed_bid.bidder_id],
                "amount": placed_bid.amount,
                "is_proxy": placed_bid.is_proxy,
                "placed_at": now,
            },
        )
    if extended:
        attest(sale=sale, event="trading.extended", actor=None, payload={"ends_at": ends_at})
    sale.refresh_from_db()
    outbid = previous_leader if sale.leader_id != previous_leader else bidder.pk
    if outbid is not None:
        who = Bidder.objects.get(pk=outbid)
        notify(
            recipients=members_of(who.organization_id),
            kind="trading.outbid",
            title=format_lazy(gettext_lazy("Outbid: {title}"), title=sale.title),
            body=format_lazy(gettext_lazy("The price is now ¥{price}."), price=sale.current_price),
            target=sale,
            email=False,
        )
    return BidResult(sale=sale, bids=placed, bidder=bidder)


def _raise_maximum(*, sale: Sale, bidder: Bidder, state: rules.AuctionState, max_amount: Decimal | None) -> BidResult:
    if max_amount is None:
        raise ApplicationError(
            _("You already lead; you may only raise your maximum."),
            code=TradingError.ALREADY_LEADING,
            status=409,
            extra={"current_price": str(sale.current_price)},
        )
    try:
        rules.raise_maximum(state, bidder=bidder.pk, maximum=max_amount)
    except rules.BidTooLow:
        raise ApplicationError(
            _("A new maximum must be above your current one."),
            code=TradingError.BID_TOO_LOW,
            status=409,
            field_errors={"max_amount": _("Above your current maximum.")},
            extra={"current_price": str(sale.current_price)},
        ) from None
    now = timezone.now()
    Bidder.objects.filter(pk=bidder.pk).update(max_amount=max_amount, max_set_at=now, updated_at=now)
    return BidResult(sale=sale, bids=[], bidder=bidder)


def _too_low(*, sale: Sale, minimum: Decimal) -> ApplicationError:
    return ApplicationError(
        _("The bid must be at least ¥%(minimum)s.") % {"minimum": minimum},
        code=TradingError.BID_TOO_LOW,
        status=409,
        extra={
            "current_price": None if sale.current_price is None else str(sale.current_price),
            "minimum_bid": str(minimum),
            "bid_count": sale.bid_count,
        },
    )


@transaction.atomic
def auction_close(*, actor: User | None, sale: Sale) -> Sale:
    """Close an auction whose bidding has ended: sold to the leader when the reserve is met (its deposit is
    applied to the price, the others refunded, a deal opened), otherwise unsold (all refunded).

    ``actor`` None is the scheduled task: a sale already closed is then left alone (safe to run twice).
    """
    _check_auction(sale)
    if actor is not None:
        check_seller_or_operator(actor=actor, sale=sale)
    sale = lock_sale(sale)
    if sale.status != SaleStatus.LISTED:
        if actor is None:
            return sale
        raise SALE_LIFECYCLE.refusal(sale.status, "sell")
    now = timezone.now()
    assert sale.ends_at is not None  # noqa: S101 - an auction has an end
    if now < sale.ends_at:
        raise ApplicationError(
            _("Bidding has not ended yet."),
            code=TradingError.AUCTION_NOT_ENDED,
            status=409,
            extra={"ends_at": sale.ends_at.isoformat()},
        )
    winner = (
        Bidder.objects.select_related("organization", "registered_by", "deposit").filter(pk=sale.leader_id).first()
        if sale.leader_id is not None
        else None
    )
    if winner is not None and sale.reserve_met:
        assert sale.current_price is not None  # noqa: S101
        deal = open_deal(sale=sale, buyer=winner.organization, opener=winner.registered_by, price=sale.current_price)
        SALE_LIFECYCLE.move(
            model=Sale,
            pk=sale.pk,
            action="sell",
            buyer_id=winner.organization_id,
            final_price=sale.current_price,
            closed_at=now,
            deal_id=deal.pk,
        )
        DEPOSIT_LIFECYCLE.move(
            model=Deposit,
            pk=winner.deposit.pk,
            action="apply",
            settled_at=now,
            note=_("Applied to the price."),
        )
        attest(
            sale=sale,
            event="trading.auction_won",
            actor=actor,
            payload={
                "winner_number": winner.number,
                "buyer_id": winner.organization_id,
                "final_price": sale.current_price,
                "bid_count": sale.bid_count,
                "deal_id": deal.pk,
                "deposit_applied": winner.deposit.amount,
            },
        )
        refund_deposits(sale=sale, note=_("The auction closed: you did not win."), keep_bidder_id=winner.pk)
        notify(
            recipients=members_of(winner.organization_id),
            kind="trading.won",
            title=format_lazy(gettext_lazy("You won the auction: {title}"), title=sale.title),
            body=format_lazy(gettext_lazy("Final price ¥{price}."), price=sale.current_price),
            target=sale,
        )
        losers = Bidder.objects.filter(sale=sale).exclude(pk=winner.pk).values_list("organization_id", flat=True)
        notify(
            recipients=members_of(*losers),
            kind="trading.lost",
            title=format_lazy(gettext_lazy("Auction closed: {title}"), title=sale.title),
            body=format_lazy(gettext_lazy("Another bidder won at ¥{price}."), price=sale.current_price),
            target=sale,
        )
        notify(
            recipients=members_of(sale.seller_id),
            kind="trading.sold",
            title=format_lazy(gettext_lazy("Sold: {title}"), title=sale.title),
            body=format_lazy(
                gettext_lazy("{buyer} at ¥{price}"), buyer=winner.organization.name, price=sale.current_price
            ),
            target=sale,
        )
    else:
        note = _("No bid.") if winner is None else _("The reserve price was not met.")
        SALE_LIFECYCLE.move(model=Sale, pk=sale.pk, action="close_unsold", closed_at=now, closing_note=note)
        attest(
            sale=sale,
            event="trading.auction_unsold",
            actor=actor,
            payload={"bid_count": sale.bid_count, "current_price": sale.current_price, "reason": note},
        )
        refund_deposits(sale=sale, note=_("The auction closed unsold."))
        notify(
            recipients=members_of(sale.seller_id),
            kind="trading.unsold",
            title=format_lazy(gettext_lazy("Auction closed unsold: {title}"), title=sale.title),
            body=note,
            target=sale,
        )
    sale.refresh_from_db()
    return sale


def auctions_close_due(*, now=None) -> int:  # type: ignore[no-untyped-def]
    """Close every listed auction past its end (each in its own transaction; safe to run twice)."""
    now = now or timezone.now()
    ids = list(
        Sale.objects.filter(mode=SaleMode.AUCTION, status=SaleStatus.LISTED, ends_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    closed = 0
    for pk in ids:
        sale = auction_close(actor=None, sale=Sale.objects.get(pk=pk))
        closed += sale.status != SaleStatus.LISTED
    return closed
