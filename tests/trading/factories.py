"""A small market for trading tests: a university seller with a published patent achievement, enterprise
buyers, the operator and an outsider. Sales are made through the API or the services; where a test needs
time to have passed, ``end_notice`` / ``open_bidding`` / ``end_bidding`` move the dates into the past."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.accounts.models import User
from apps.listings.models import Achievement
from apps.organizations.models import Organization
from apps.trading.models import Deposit, Sale
from apps.trading.services import bidder_register, deposit_confirm, sale_create
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.listings.factories import make_achievement

_counter = itertools.count(1)


class TradingWorld:
    def __init__(self, *, buyers: int = 2) -> None:
        self.seller: Organization = OrganizationFactory(name="广西科技大学", type="university", entity_type_id="022")
        self.seller_user: User = member_of(self.seller)
        self.buyers: list[Organization] = [
            OrganizationFactory(name=f"柳州测试汽车零部件{i}有限公司") for i in range(buyers)
        ]
        self.buyer_users: list[User] = [member_of(b) for b in self.buyers]
        self.operator: User = operator_user()
        self.outsider_org: Organization = OrganizationFactory(name="柳州无关企业有限公司")
        self.outsider: User = member_of(self.outsider_org)

    def achievement(self, **overrides: Any) -> Achievement:
        n = next(_counter)
        return make_achievement(
            self.seller, title=overrides.pop("title", f"一种齿轮渗碳淬火变形控制方法{n}"), **overrides
        )

    def fixed_sale(self, *, price: str = "800000.00") -> Sale:
        return sale_create(
            actor=self.seller_user, achievement_id=self.achievement().pk, mode="fixed_price", price=Decimal(price)
        )

    def auction(
        self,
        *,
        price: str = "100000.00",
        reserve: str | None = "150000.00",
        increment: str = "1000.00",
        deposit: str = "10000.00",
        extension_minutes: int = 5,
    ) -> Sale:
        now = timezone.now()
        return sale_create(
            actor=self.seller_user,
            achievement_id=self.achievement().pk,
            mode="auction",
            price=Decimal(price),
            data={
                "reserve_price": Decimal(reserve) if reserve else None,
                "increment": Decimal(increment),
                "deposit_amount": Decimal(deposit),
                "ends_at": now + timedelta(days=20),
                "extension_minutes": extension_minutes,
            },
        )

    def register(self, sale: Sale, user: User, *, confirm: bool = True) -> Deposit:
        deposit = bidder_register(actor=user, sale=sale, payment_reference="GX-TEST")
        if confirm:
            deposit = deposit_confirm(actor=self.operator, deposit=deposit)
        return deposit


def end_notice(sale: Sale) -> Sale:
    past = timezone.now() - timedelta(minutes=1)
    Sale.objects.filter(pk=sale.pk).update(notice_ends_at=past)
    sale.refresh_from_db()
    return sale


def open_bidding(sale: Sale, *, ends_in: timedelta = timedelta(hours=2)) -> Sale:
    """The notice over and bidding running until ``ends_in`` from now."""
    now = timezone.now()
    Sale.objects.filter(pk=sale.pk).update(
        notice_ends_at=now - timedelta(hours=1),
        starts_at=now - timedelta(minutes=30),
        ends_at=now + ends_in,
        scheduled_ends_at=now + ends_in,
    )
    sale.refresh_from_db()
    return sale


def end_bidding(sale: Sale) -> Sale:
    Sale.objects.filter(pk=sale.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    sale.refresh_from_db()
    return sale
