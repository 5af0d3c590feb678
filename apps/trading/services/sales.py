"""Listed sales (挂牌): listing an achievement at a price with a public notice (公示), objections (异议),
withdrawal, and the fixed-price sale to the first buyer who accepts.

A sale whose price is accepted (or whose auction is won) opens a deal between seller and buyer through
the deals services, moved to ``negotiating``: the price is settled, the contract's other terms are not yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.deals.models import Deal, DealStage
from apps.deals.services import deal_advance, deal_create
from apps.listings.models import Achievement, ListingStatus
from apps.notifications.services import notify
from apps.organizations.access import actor_memberships, is_operator, operator_users, require_operator, resolve_owner
from apps.organizations.models import Organization, OrganizationType
from apps.trading.models import Deposit, DepositStatus, Objection, ObjectionStatus, Sale, SaleMode, SaleStatus
from apps.trading.services.common import (
    OBJECTION_LIFECYCLE,
    SALE_LIFECYCLE,
    TradingError,
    attest,
    check_seller_or_operator,
    is_public_institution,
    members_of,
)

AUCTION_FIELDS = ("reserve_price", "increment", "deposit_amount", "starts_at", "ends_at", "extension_minutes")


def _auction_terms(*, data: dict, price: Decimal, notice_ends_at: datetime) -> dict:
    errors: dict[str, str] = {}
    increment = data.get("increment")
    deposit = data.get("deposit_amount")
    starts_at = data.get("starts_at") or notice_ends_at
    ends_at = data.get("ends_at")
    reserve = data.get("reserve_price")
    if increment is None or increment <= 0:
        errors["increment"] = _("Give a minimum increment above zero.")
    if deposit is None or deposit < 0:
        errors["deposit_amount"] = _("Give the deposit (zero or more).")
    if starts_at < notice_ends_at:
        errors["starts_at"] = _("Bidding starts after the public notice ends.")
    if ends_at is None or ends_at <= starts_at:
        errors["ends_at"] = _("Bidding must end after it starts.")
    if reserve is not None and reserve < price:
        errors["reserve_price"] = _("The reserve cannot be below the starting price.")
    if errors:
        raise ApplicationError(
            _("The auction's terms are incomplete or inconsistent."), code=TradingError.BAD_TERMS, field_errors=errors
        )
    extension = data.get("extension_minutes")
    return {
        "reserve_price": reserve,
        "increment": increment,
        "deposit_amount": deposit,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "scheduled_ends_at": ends_at,
        "extension_minutes": settings.TRADING_AUCTION_EXTENSION_MINUTES if extension is None else extension,
    }


@transaction.atomic
def sale_create(*, actor: User, achievement_id: int, mode: str, price: Decimal, data: dict | None = None) -> Sale:
    """The owner lists one of its published achievements at ``price`` (the auction's starting price).

    The public notice lasts ``notice_days`` (default ``TRADING_NOTICE_DAYS``); a university or research
    institute cannot shorten it below that. An auction's bidding starts when the notice ends at the earliest.
    """
    data = data or {}
    achievement = Achievement.objects.select_for_update().select_related("owner").filter(pk=achievement_id).first()
    if achievement is None or achievement.owner_id not in actor_memberships(actor):
        raise ApplicationError(
            _("Unknown achievement, or not one of your organisation's."),
            code=TradingError.UNKNOWN_ACHIEVEMENT,
            field_errors={"achievement_id": _("Unknown id.")},
        )
    seller: Organization = achievement.owner
    if not seller.is_verified:
        raise ApplicationError(
            _("The organisation must be verified by the operator before it can sell."),
            code=TradingError.SELLER_NOT_VERIFIED,
            status=403,
        )
    if achievement.status != ListingStatus.PUBLISHED:
        raise ApplicationError(
            _("Only a published achievement can be listed for sale."),
            code=TradingError.ACHIEVEMENT_NOT_PUBLISHED,
            status=409,
            extra={"current_status": achievement.status},
        )
    minimum_days = settings.TRADING_NOTICE_DAYS
    notice_days = data.get("notice_days")
    if notice_days is None:
        notice_days = minimum_days
    if is_public_institution(seller) and notice_days < minimum_days:
        raise ApplicationError(
            _("A public university or institute must publish a notice of at least %(days)d days.")
            % {"days": minimum_days},
            code=TradingError.NOTICE_REQUIRED,
            field_errors={"notice_days": _("At least %(days)d days.") % {"days": minimum_days}},
        )
    now = timezone.now()
    notice_ends_at = now + timedelta(days=notice_days)
    values: dict = {}
    if mode == SaleMode.AUCTION:
        values = _auction_terms(data=data, price=price, notice_ends_at=notice_ends_at)
    else:
        given = sorted(f for f in AUCTION_FIELDS if data.get(f) is not None)
        if given:
            raise ApplicationError(
                _("Auction terms are for auctions only."),
                code=TradingError.BAD_TERMS,
                field_errors={f: _("Only for an auction.") for f in given},
            )
    try:
        with transaction.atomic():
            sale = Sale.objects.create(
                achievement=achievement,
                seller=seller,
                mode=mode,
                title=achievement.title[:200],
                price=price,
                notice_days=notice_days,
                notice_starts_at=now,
                notice_ends_at=notice_ends_at,
                created_by=actor,
                **values,
            )
    except IntegrityError:
        raise ApplicationError(
            _("This achievement is already listed for sale."), code=TradingError.ALREADY_LISTED, status=409
        ) from None
    attest(
        sale=sale,
        event="trading.listed",
        actor=actor,
        payload={
            "achievement_id": achievement.pk,
            "seller_id": seller.pk,
            "mode": mode,
            "price": price,
            "notice_days": notice_days,
            "notice_ends_at": notice_ends_at,
            **{
                k: v
                for k, v in values.items()
                if k in ("reserve_price", "increment", "deposit_amount", "starts_at", "ends_at", "extension_minutes")
            },
        },
    )
    return sale


def lock_sale(sale: Sale) -> Sale:
    """The sale's row, locked for the rest of the transaction: bids, acceptances and closes queue on it."""
    return Sale.objects.select_for_update().get(pk=sale.pk)


def refund_deposits(*, sale: Sale, note: str, keep_bidder_id: int | None = None) -> list[Deposit]:
    """Refund every deposit still pending or held (but the winner's); their owners hear of it."""
    qs = Deposit.objects.select_for_update().filter(sale=sale, status__in=[DepositStatus.PENDING, DepositStatus.HELD])
    if keep_bidder_id is not None:
        qs = qs.exclude(bidder_id=keep_bidder_id)
    deposits = list(qs.select_related("bidder"))
    now = timezone.now()
    Deposit.objects.filter(pk__in=[d.pk for d in deposits]).update(
        status=DepositStatus.REFUNDED, settled_at=now, note=note[:1000], updated_at=now
    )
    for deposit in deposits:
        attest(
            sale=sale,
            event="trading.deposit_refunded",
            actor=None,
            payload={"deposit_id": deposit.pk, "bidder_number": deposit.bidder.number, "amount": deposit.amount},
        )
        notify(
            recipients=members_of(deposit.bidder.organization_id),
            kind="trading.deposit",
            title=format_lazy(gettext_lazy("Deposit refunded: {title}"), title=sale.title),
            body=note,
            target=sale,
        )
    return deposits


@transaction.atomic
def sale_withdraw(*, actor: User, sale: Sale, reason: str) -> Sale:
    """The seller withdraws before the sale (an auction only before its first bid); the operator any time.
    Deposits are refunded."""
    check_seller_or_operator(actor=actor, sale=sale)
    if not reason.strip():
        raise ApplicationError(
            _("Say why the sale is withdrawn."),
            code=TradingError.REASON_REQUIRED,
            field_errors={"reason": _("Required.")},
        )
    sale = lock_sale(sale)
    SALE_LIFECYCLE.check(sale.status, "withdraw")
    if sale.bid_count and not is_operator(actor):
        raise ApplicationError(
            _("An auction with bids can only be withdrawn by the market operator."),
            code=TradingError.HAS_BIDS,
            status=409,
        )
    now = timezone.now()
    SALE_LIFECYCLE.move(model=Sale, pk=sale.pk, action="withdraw", closed_at=now, closing_note=reason.strip()[:1000])
    sale.refresh_from_db()
    attest(sale=sale, event="trading.withdrawn", actor=actor, payload={"reason": sale.closing_note})
    bidders = refund_deposits(sale=sale, note=_("The sale was withdrawn."))
    notify(
        recipients=members_of(*(d.bidder.organization_id for d in bidders)),
        kind="trading.withdrawn",
        title=format_lazy(gettext_lazy("Sale withdrawn: {title}"), title=sale.title),
        body=reason.strip(),
        target=sale,
    )
    return sale


@transaction.atomic
def objection_file(
    *, actor: User, sale: Sale, reason: str, evidence: str = "", organization_id: int | None = None
) -> Objection:
    """Anyone signed in objects to a sale during its public notice; the operator and the seller hear of it."""
    if organization_id is not None and organization_id not in actor_memberships(actor):
        raise ApplicationError(
            _("You can only object for an organisation you belong to."),
            code=TradingError.NOT_SELLER,
            status=403,
            field_errors={"organization_id": _("You are not a member of this organisation.")},
        )
    sale = lock_sale(sale)
    if sale.status != SaleStatus.LISTED or timezone.now() >= sale.notice_ends_at:
        raise ApplicationError(
            _("Objections are accepted only while the public notice runs."),
            code=TradingError.NOT_IN_NOTICE,
            status=409,
            extra={"notice_ends_at": sale.notice_ends_at.isoformat(), "current_status": sale.status},
        )
    objection = Objection.objects.create(
        sale=sale,
        filed_by=actor,
        organization_id=organization_id,
        reason=reason.strip(),
        evidence=evidence.strip(),
    )
    attest(
        sale=sale,
        event="trading.objection_filed",
        actor=actor,
        payload={"objection_id": objection.pk, "organization_id": organization_id, "reason": objection.reason},
    )
    notify(
        recipients=[*operator_users(), *members_of(sale.seller_id)],
        kind="trading.objection",
        title=format_lazy(gettext_lazy("Objection to the sale of {title}"), title=sale.title),
        body=objection.reason,
        target=sale,
        email=False,
    )
    return objection


@transaction.atomic
def objection_resolve(*, actor: User, objection: Objection, uphold: bool, resolution: str) -> Objection:
    """The operator upholds an objection (the sale is suspended and deposits refunded) or dismisses it."""
    require_operator(actor)
    if not resolution.strip():
        raise ApplicationError(
            _("Say how the objection was resolved."),
            code=TradingError.REASON_REQUIRED,
            field_errors={"resolution": _("Required.")},
        )
    now = timezone.now()
    OBJECTION_LIFECYCLE.move(
        model=Objection,
        pk=objection.pk,
        action="uphold" if uphold else "dismiss",
        resolution=resolution.strip()[:2000],
        resolved_by_id=actor.pk,
        resolved_at=now,
    )
    objection.refresh_from_db()
    sale = lock_sale(objection.sale)
    attest(
        sale=sale,
        event=f"trading.objection_{objection.status}",
        actor=actor,
        payload={"objection_id": objection.pk, "resolution": objection.resolution},
    )
    if uphold:
        SALE_LIFECYCLE.move(
            model=Sale, pk=sale.pk, action="suspend", closed_at=now, closing_note=resolution.strip()[:1000]
        )
        sale.refresh_from_db()
        refund_deposits(sale=sale, note=_("The sale was suspended after an objection."))
    notify(
        recipients=[objection.filed_by, *members_of(sale.seller_id)],
        kind="trading.objection_resolved",
        title=format_lazy(
            gettext_lazy("{outcome}: {title}"),
            outcome=ObjectionStatus(objection.status).label,
            title=sale.title,
        ),
        body=objection.resolution,
        target=sale,
    )
    return objection


def check_open_for_trade(sale: Sale) -> None:
    """After the notice, with no objection waiting for the operator (called under the sale's lock)."""
    SALE_LIFECYCLE.check(sale.status, "sell")
    if timezone.now() < sale.notice_ends_at:
        raise ApplicationError(
            _("The public notice runs until %(end)s.")
            % {"end": timezone.localtime(sale.notice_ends_at).strftime("%Y-%m-%d %H:%M")},
            code=TradingError.NOTICE_RUNNING,
            status=409,
            extra={"notice_ends_at": sale.notice_ends_at.isoformat()},
        )
    if sale.objections.filter(status=ObjectionStatus.PENDING).exists():
        raise ApplicationError(
            _("An objection awaits the operator's decision."), code=TradingError.OBJECTION_PENDING, status=409
        )


def buyer_organization(*, actor: User, sale: Sale, organization_id: int | None) -> Organization:
    """Which of the actor's organisations buys or bids: verified, not the seller, not the operator."""
    buyer = resolve_owner(
        actor=actor,
        owner_id=organization_id,
        required_message=_("Say which of your organisations buys (organization_id)."),
        not_member_message=_("You can only buy for an organisation you belong to."),
        not_member_status=403,
    )
    if buyer.pk == sale.seller_id:
        raise ApplicationError(_("A seller cannot buy its own sale."), code=TradingError.OWN_SALE, status=403)
    if buyer.type == OrganizationType.MARKET_OPERATOR or not buyer.is_verified:
        raise ApplicationError(
            _("Only a verified organisation may buy or bid."), code=TradingError.BUYER_NOT_VERIFIED, status=409
        )
    return buyer


def open_deal(*, sale: Sale, buyer: Organization, opener: User, price: Decimal) -> Deal:
    """The sale's deal, opened by a member of the buyer and moved to negotiating (the price is agreed)."""
    deal = deal_create(
        actor=opener,
        buyer_id=buyer.pk,
        seller_id=sale.seller_id,
        title=sale.title[:200],
        description=_("From sale %(id)s (%(mode)s) at ¥%(price)s.")
        % {"id": sale.pk, "mode": SaleMode(sale.mode).label, "price": price},
        achievement_id=sale.achievement_id,
    )
    return deal_advance(
        actor=opener,
        deal=deal,
        to=DealStage.NEGOTIATING,
        expected_version=deal.version,
        note=_("Price agreed at ¥%(price)s.") % {"price": price},
    )


@transaction.atomic
def sale_accept(*, actor: User, sale: Sale, organization_id: int | None = None) -> Sale:
    """A buyer accepts a fixed price after the notice: the first acceptance wins (the row lock orders them;
    a later one finds the sale sold, 409); a deal opens for the parties."""
    if sale.mode != SaleMode.FIXED_PRICE:
        raise ApplicationError(_("An auction is won by bidding."), code=TradingError.WRONG_MODE, status=409)
    buyer = buyer_organization(actor=actor, sale=sale, organization_id=organization_id)
    sale = lock_sale(sale)
    check_open_for_trade(sale)
    if not Achievement.objects.filter(pk=sale.achievement_id, status=ListingStatus.PUBLISHED).exists():
        raise ApplicationError(
            _("The achievement is no longer on the market."), code=TradingError.ACHIEVEMENT_NOT_PUBLISHED, status=409
        )
    deal = open_deal(sale=sale, buyer=buyer, opener=actor, price=sale.price)
    SALE_LIFECYCLE.move(
        model=Sale,
        pk=sale.pk,
        action="sell",
        buyer_id=buyer.pk,
        final_price=sale.price,
        closed_at=timezone.now(),
        deal_id=deal.pk,
    )
    sale.refresh_from_db()
    attest(
        sale=sale,
        event="trading.sold",
        actor=actor,
        payload={"buyer_id": buyer.pk, "final_price": sale.final_price, "deal_id": deal.pk},
    )
    notify(
        recipients=members_of(sale.seller_id, buyer.pk),
        kind="trading.sold",
        title=format_lazy(gettext_lazy("Sold: {title}"), title=sale.title),
        body=format_lazy(gettext_lazy("{buyer} at ¥{price}"), buyer=buyer.name, price=sale.price),
        target=sale,
    )
    return sale
