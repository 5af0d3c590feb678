"""The demo market's trading (apps.trading), made through its services: a university's patent listed at a
fixed price under its public notice (公示) with an objection the operator dismissed, an auction that ended
and was won by the highest bid (deposits refunded and applied, a deal opened), and an auction still running.

Idempotent like the rest of ``load_demo_data``: a sale is recognised by its achievement; when one exists
(in any state) the achievement is left as it is. Time that must have passed for the finished auction
(its notice and bidding) is moved into the past after the fact, bids included, as the tests do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.demo.data import DEMO_EMAIL_DOMAIN, ORGANIZATIONS_BY_KEY
from apps.demo.market import ACTING_PERSON, OPERATOR_PERSON
from apps.listings.models import Achievement, ListingStatus
from apps.trading.models import Bid, Sale
from apps.trading.services import (
    auction_bid,
    auction_close,
    bidder_register,
    deposit_confirm,
    objection_file,
    objection_resolve,
    sale_create,
)


@dataclass(frozen=True)
class DemoSale:
    key: str  # listed | auction_done | auction_running
    owner_key: str
    achievement_title: str
    mode: str
    price: str
    bidders: tuple[str, ...] = ()
    # (bidder key, amount, proxy maximum or "")
    bids: tuple[tuple[str, str, str], ...] = ()


DEMO_SALES: tuple[DemoSale, ...] = (
    DemoSale(
        key="listed",
        owner_key="university",
        achievement_title="高强度汽车用钢热冲压成形工艺",
        mode="fixed_price",
        price="1500000.00",
    ),
    DemoSale(
        key="auction_done",
        owner_key="institute",
        achievement_title="磷酸铁锂电池包热失控预警算法",
        mode="auction",
        price="600000.00",
        bidders=("steel", "auto_parts", "machinery"),
        bids=(
            ("steel", "600000.00", "760000.00"),
            ("auto_parts", "650000.00", ""),
            ("machinery", "700000.00", ""),
            ("auto_parts", "780000.00", "850000.00"),
            ("steel", "870000.00", ""),
        ),
    ),
    DemoSale(
        key="auction_running",
        owner_key="college",
        achievement_title="螺蛳粉汤料低温杀菌与风味保持技术",
        mode="auction",
        price="200000.00",
        bidders=("luosifen", "chemicals"),
        bids=(("luosifen", "200000.00", ""), ("chemicals", "210000.00", "260000.00"), ("luosifen", "230000.00", "")),
    ),
)


def _user(person: str) -> User:
    return User.objects.get(email=f"{person}@{DEMO_EMAIL_DOMAIN}")


def _acting(key: str) -> User:
    return _user(ACTING_PERSON[key])


def load_trading(*, progress: Callable[..., None], warn: Callable[[str], None]) -> None:
    for demo in DEMO_SALES:
        try:
            with transaction.atomic():
                _load(demo, progress=progress)
        except (ApplicationError, Achievement.DoesNotExist, User.DoesNotExist) as problem:
            warn(f"  skipped  {demo.achievement_title}: {problem}")


def _load(demo: DemoSale, *, progress: Callable[..., None]) -> None:
    achievement = Achievement.objects.get(
        title=demo.achievement_title, owner__credit_code=ORGANIZATIONS_BY_KEY[demo.owner_key].credit_code
    )
    if Sale.objects.filter(achievement=achievement).exists() or achievement.status != ListingStatus.PUBLISHED:
        progress("sale", demo.achievement_title, created=False)
        return
    seller, operator = _acting(demo.owner_key), _user(OPERATOR_PERSON)
    now = timezone.now()
    if demo.mode == "fixed_price":
        sale = sale_create(actor=seller, achievement_id=achievement.pk, mode=demo.mode, price=Decimal(demo.price))
        objection = objection_file(
            actor=_acting("steel"),
            sale=sale,
            reason="【演示数据】我公司曾参与该工艺的早期试验，请核实权属。",
            evidence="2022年联合试验记录。",
        )
        objection_resolve(
            actor=operator,
            objection=objection,
            uphold=False,
            resolution="【演示数据】经核查，专利权人仅为广西示例科技大学，异议不成立，挂牌继续。",
        )
        progress("sale", f"{demo.achievement_title} (挂牌公示)", created=True)
        return
    sale = sale_create(
        actor=seller,
        achievement_id=achievement.pk,
        mode=demo.mode,
        price=Decimal(demo.price),
        data={
            "reserve_price": (Decimal(demo.price) * Decimal("1.25")).quantize(Decimal("0.01")),
            "increment": Decimal("10000.00"),
            "deposit_amount": Decimal("50000.00"),
            "ends_at": now + timedelta(days=18),
            "extension_minutes": 5,
        },
    )
    for key in demo.bidders:
        deposit = bidder_register(actor=_acting(key), sale=sale, payment_reference=f"DEMO-{sale.pk}-{key}")
        deposit_confirm(actor=operator, deposit=deposit)
    # The notice has run and bidding is open (time moved, see the module's docstring).
    Sale.objects.filter(pk=sale.pk).update(
        notice_starts_at=now - timedelta(days=16),
        notice_ends_at=now - timedelta(days=1),
        starts_at=now - timedelta(days=1),
    )
    for key, amount, maximum in demo.bids:
        auction_bid(
            actor=_acting(key),
            sale=Sale.objects.get(pk=sale.pk),
            amount=Decimal(amount),
            max_amount=Decimal(maximum) if maximum else None,
        )
    if demo.key == "auction_done":
        # Ten days earlier, it all happened and bidding ended; the close (the beat task's job) runs now.
        shift = timedelta(days=10)
        moved = Sale.objects.get(pk=sale.pk)
        Sale.objects.filter(pk=sale.pk).update(
            notice_starts_at=moved.notice_starts_at - shift,
            notice_ends_at=moved.notice_ends_at - shift,
            starts_at=moved.starts_at - shift if moved.starts_at else None,
            ends_at=now - shift + timedelta(hours=2),
            scheduled_ends_at=now - shift + timedelta(hours=2),
        )
        for bid in Bid.objects.filter(sale_id=sale.pk):
            Bid.objects.filter(pk=bid.pk).update(placed_at=bid.placed_at - shift)
        auction_close(actor=None, sale=Sale.objects.get(pk=sale.pk))
        progress("sale", f"{demo.achievement_title} (竞价已成交)", created=True)
    else:
        Sale.objects.filter(pk=sale.pk).update(
            ends_at=now + timedelta(days=3), scheduled_ends_at=now + timedelta(days=3)
        )
        progress("sale", f"{demo.achievement_title} (竞价进行中)", created=True)
