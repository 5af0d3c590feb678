"""The operator's admin for deals: read-only, Chinese search."""

from __future__ import annotations

import pytest

from tests.deals.factories import DealWorld
from tests.factories import operator_user

pytestmark = pytest.mark.django_db


def test_deal_admin_searches_and_is_read_only(client):
    client.force_login(operator_user(is_staff=True, is_superuser=True))
    world = DealWorld()
    deal = world.deal(title="螺蛳粉杀菌工艺许可")
    world.deal(title="变速箱齿轮")
    listing = client.get("/admin/deals/deal/", {"q": "螺蛳粉"})
    assert listing.status_code == 200
    content = listing.content.decode()
    assert "螺蛳粉杀菌工艺许可" in content and "变速箱齿轮" not in content
    assert client.get("/admin/deals/deal/", {"q": "五菱"}).content.decode().count("/change/") >= 2
    page = client.get(f"/admin/deals/deal/{deal.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get("/admin/deals/deal/add/").status_code == 403
