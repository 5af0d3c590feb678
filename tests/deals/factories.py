"""Deals for tests: made through the service, so participants and the log are real."""

from __future__ import annotations

import itertools
from typing import Any

from apps.accounts.models import User
from apps.brokers.models import Broker
from apps.deals.models import Deal, DealStage
from apps.deals.services import deal_create
from apps.organizations.models import Organization
from tests.brokers.factories import make_broker, make_introduction
from tests.factories import OrganizationFactory, member_of

_counter = itertools.count(1)


class DealWorld:
    """A buyer and a seller with one member each, a broker who introduced them, and an outsider."""

    def __init__(self) -> None:
        self.buyer: Organization = OrganizationFactory(name="柳州五菱零部件有限公司")
        self.seller: Organization = OrganizationFactory(name="广西科技大学", type="university", entity_type_id="022")
        self.buyer_user: User = member_of(self.buyer)
        self.seller_user: User = member_of(self.seller)
        self.broker: Broker = make_broker()
        self.introduction = make_introduction(self.broker, self.buyer, self.seller)
        self.outsider: User = member_of(OrganizationFactory())

    def deal(self, *, stage: str = DealStage.LEAD, by: User | None = None, **kwargs: Any) -> Deal:
        deal = deal_create(
            actor=by or self.broker.user,
            buyer_id=self.buyer.pk,
            seller_id=self.seller.pk,
            title=kwargs.pop("title", f"齿轮热处理工艺转让{next(_counter)}"),
            introduction_id=kwargs.pop("introduction_id", self.introduction.pk),
            **kwargs,
        )
        if stage != DealStage.LEAD:
            Deal.objects.filter(pk=deal.pk).update(stage=stage)
            deal.refresh_from_db()
        return deal
