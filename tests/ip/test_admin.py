"""The operator's admin for IP assets: Chinese search, the API's rules on edit, no delete of linked assets."""

from __future__ import annotations

import pytest

from apps.ip.models import IPAsset
from apps.listings.models import ListingStatus
from tests.factories import OrganizationFactory, UserFactory
from tests.ip.factories import IPAssetFactory
from tests.listings.factories import make_achievement

pytestmark = pytest.mark.django_db

ADMIN = "/admin/ip/ipasset"


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ("螺蛳粉", "一种螺蛳粉汤料的制备方法", "汽车变速箱齿轮热处理工艺"),
        ("柳州工学院", "一种螺蛳粉汤料的制备方法", "汽车变速箱齿轮热处理工艺"),
        ("201710601862", "一种螺蛳粉汤料的制备方法", "汽车变速箱齿轮热处理工艺"),
        ("2019SR1234567", "远程诊断软件", "一种螺蛳粉汤料的制备方法"),
    ],
)
def test_changelist_searches_titles_numbers_and_owners(superuser_client, query, found, not_found):
    IPAssetFactory(
        owner=OrganizationFactory(name="柳州工学院"),
        title="一种螺蛳粉汤料的制备方法",
        application_number="201710601862.3",
    )
    IPAssetFactory(title="汽车变速箱齿轮热处理工艺")
    IPAssetFactory(software=True, title="远程诊断软件", registration_number="2019SR1234567")
    response = superuser_client.get(f"{ADMIN}/", {"q": query})
    assert response.status_code == 200
    page = response.content.decode()
    assert found in page
    assert not_found not in page


def _form(owner_id: int, **overrides):
    data = {
        "owner": owner_id,
        "kind": "invention",
        "title": "一种螺蛳粉汤料的制备方法",
        "legal_status": "pending",
        "application_number": "201710601862.3",
        "patent_number": "",
        "publication_number": "",
        "registration_number": "",
        "ipc_main": "a23l27/10",
        "ipc_codes": "A23L 27/10,a23l 23/00",
        "filing_date": "",
        "grant_date": "",
    }
    data.update(overrides)
    return data


def test_add_form_applies_the_rules_and_normalises(superuser_client):
    owner = OrganizationFactory()
    refused = superuser_client.post(f"{ADMIN}/add/", _form(owner.pk, kind="design"))
    assert refused.status_code == 200  # the form again, with the error
    assert "errorlist" in refused.content.decode()
    assert not IPAsset.objects.exists()

    added = superuser_client.post(f"{ADMIN}/add/", _form(owner.pk))
    assert added.status_code == 302, added.content.decode()[:2000]
    asset = IPAsset.objects.get()
    assert (asset.ipc_main, asset.ipc_codes) == ("A23L 27/10", ["A23L 23/00"])


def test_linked_assets_cannot_be_deleted_here_either(superuser_client):
    owner = OrganizationFactory()
    linked = IPAssetFactory(owner=owner)
    make_achievement(owner, status=ListingStatus.DRAFT).ip_assets.add(linked)
    free = IPAssetFactory(owner=owner)
    assert superuser_client.post(f"{ADMIN}/{linked.pk}/delete/", {"post": "yes"}).status_code == 403
    assert IPAsset.objects.filter(pk=linked.pk).exists()
    assert superuser_client.post(f"{ADMIN}/{free.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not IPAsset.objects.filter(pk=free.pk).exists()
    changelist = superuser_client.get(f"{ADMIN}/").content.decode()
    assert "delete_selected" not in changelist
