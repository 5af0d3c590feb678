"""End to end over the API: a Vietnamese enterprise registers and is verified, lists an achievement in
Vietnamese with an English summary, is matched to a Chinese demand, and its contract with the Chinese
buyer counts as an ASEAN technology inflow from Viet Nam in the statistics (report, CSV export, dashboard).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.contracts.selectors import market_today
from apps.core.effects import run_pending_effects
from apps.matching import index_state
from apps.organizations.models import Organization
from tests.contracts.factories import PDF_BYTES, contract_payload
from tests.factories import TEST_PASSWORD, OrganizationFactory, member_of, operator_user

pytestmark = pytest.mark.django_db

VIETNAM = "704"


@pytest.fixture(autouse=True)
def _fresh_local_index() -> Iterator[None]:
    index_state.reset_local()
    yield
    index_state.reset_local()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _ok(response, status=200):
    assert response.status_code == status, response.content.decode()[:2000]
    return response.json()


def _publish(client, operator_client, kind, pk, on_commit):
    _ok(client.post(f"/api/v1/{kind}/{pk}/submit", {}, format="json"))
    with on_commit(execute=True):
        _ok(operator_client.post(f"/api/v1/{kind}/{pk}/review", {"approve": True}, format="json"))


def test_a_vietnamese_enterprise_sells_technology_to_liuzhou(
    api_client, client_for, django_capture_on_commit_callbacks, celery_eager
):
    operator = operator_user()
    operator_client = client_for(operator)
    buyer = OrganizationFactory(name="柳州五菱汽车零部件有限公司")
    buyer_user = member_of(buyer)
    buyer_client = client_for(buyer_user)
    outsider_client = client_for(member_of(OrganizationFactory(name="南宁无关科技有限公司")))

    # 1. A Vietnamese engineer signs up with a Vietnamese name and an E.164 phone number, in Vietnamese.
    signup = {
        "email": "nguyen.van.an@pinhanoi.vn",
        "password": TEST_PASSWORD,
        "name": "Nguyễn Văn An",
        "phone": "+84912345678",
        "preferred_language": "vi",
    }
    user = _ok(api_client.post("/api/v1/auth/register", signup, format="json"), 201)
    assert (user["name"], user["phone"], user["preferred_language"]) == ("Nguyễn Văn An", "+84912345678", "vi")
    tokens = _ok(api_client.post("/api/v1/auth/token", {"email": signup["email"], "password": TEST_PASSWORD}))
    vn_client = api_client.__class__()
    vn_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    # 2. It registers its company: Viet Nam's enterprise code, no Chinese credit code or region.
    registration = {
        "name": "Công ty Cổ phần Công nghệ Nhiệt luyện Hà Nội",
        "name_en": "Hanoi Heat Treatment Technology JSC",
        "type": "enterprise",
        "country": "VN",
        "registration_id": "0109998883",
        "foreign_region": "Hà Nội",
        "entity_type_code": "300",
    }
    organization = _ok(vn_client.post("/api/v1/organizations", registration, format="json"), 201)
    assert organization["country"] == "VN"
    assert (organization["credit_code"], organization["region_code"]) == ("", None)
    assert organization["verification_status"] == "pending"
    vn_id = organization["id"]
    # Not anyone's to verify: the enterprise itself and another organisation's member are refused.
    assert vn_client.post(f"/api/v1/organizations/{vn_id}/verify", {"approve": True}).status_code == 403
    assert outsider_client.post(f"/api/v1/organizations/{vn_id}/verify", {"approve": True}).status_code == 404
    assert Organization.objects.get(pk=vn_id).verification_status == "pending"
    # It hands in its certificate of registration; the operator opens it, then verifies.
    documents = f"/api/v1/organizations/{vn_id}/verification-documents"
    certificate = SimpleUploadedFile("giay-chung-nhan.pdf", PDF_BYTES, content_type="application/pdf")
    handed = _ok(
        vn_client.post(documents, {"file": certificate, "kind": "registration_certificate"}, format="multipart"), 201
    )
    assert [row["id"] for row in _ok(operator_client.get(documents))] == [handed["id"]]
    assert operator_client.get(f"{documents}/{handed['id']}/file").status_code == 200
    verified = _ok(operator_client.post(f"/api/v1/organizations/{vn_id}/verify", {"approve": True}, format="json"))
    assert verified["verification_status"] == "verified"

    # 3. A Chinese demand, published.
    demand = _ok(
        buyer_client.post(
            "/api/v1/demands",
            {
                "title": "变速箱齿轮热处理变形控制",
                "description": "齿轮渗碳淬火后变形超差，寻求热处理工艺优化与变形控制方案，年产30万件。",
                "keywords": ["齿轮", "热处理", "渗碳淬火"],
                "technology_field": "03",
                "cooperation_modes": ["transfer"],
                "deadline": market_today().replace(year=market_today().year + 1).isoformat(),
            },
            format="json",
        ),
        201,
    )
    _publish(buyer_client, operator_client, "demands", demand["id"], django_capture_on_commit_callbacks)

    # 4. The Vietnamese achievement, in Vietnamese with an English version.
    achievement = _ok(
        vn_client.post(
            "/api/v1/achievements",
            {
                "language": "vi",
                "title": "Công nghệ kiểm soát biến dạng bánh răng khi thấm cacbon và tôi",
                "summary": "Tối ưu hóa quy trình thấm cacbon và tôi, giảm biến dạng bánh răng hộp số 60%.",
                "translations": {
                    "en": {
                        "title": "Gear carburizing and quenching deformation control",
                        "summary": "Optimised carburizing and quenching heat treatment reduces gear deformation "
                        "by 60% in gearbox gears.",
                    }
                },
                "keywords": ["bánh răng", "nhiệt luyện"],
                "technology_field": "03",
                "trl": 6,
                "cooperation_modes": ["transfer", "licence"],
            },
            format="json",
        ),
        201,
    )
    assert achievement["language"] == "vi" and set(achievement["translations"]) == {"en"}
    assert achievement["region"] is None
    _publish(vn_client, operator_client, "achievements", achievement["id"], django_capture_on_commit_callbacks)

    # Found in Vietnamese (with and without diacritics), in English, and not in Thai.
    for query in ("biến dạng bánh răng", "bien dang banh rang", "carburizing"):
        found = _ok(buyer_client.get("/api/v1/achievements", {"q": query}))
        assert [row["id"] for row in found["results"]] == [achievement["id"]], query
    by_language = _ok(buyer_client.get("/api/v1/achievements", {"available_language": "en"}))
    assert [row["id"] for row in by_language["results"]] == [achievement["id"]]
    assert _ok(buyer_client.get("/api/v1/achievements", {"available_language": "th"}))["results"] == []

    # 5. The Chinese demand's matches include the Vietnamese achievement (through its English summary).
    matches = _ok(buyer_client.get(f"/api/v1/demands/{demand['id']}/matches"))
    assert achievement["id"] in [row["achievement"]["id"] for row in matches["results"]]

    # 6. The contract: the Liuzhou buyer acquires the technology; a technology import, registered by the buyer.
    payload = contract_payload(buyer=buyer, seller=Organization.objects.get(pk=vn_id))
    contract = _ok(buyer_client.post("/api/v1/contracts", payload, format="json"), 201)
    assert (contract["seller_country_code"], contract["seller_region_code"]) == (VIETNAM, None)
    assert contract["is_import"] is True
    upload = SimpleUploadedFile("contract.pdf", PDF_BYTES, content_type="application/pdf")
    _ok(buyer_client.post(f"/api/v1/contracts/{contract['id']}/document", {"file": upload}, format="multipart"))
    applied = _ok(buyer_client.post(f"/api/v1/contracts/{contract['id']}/registration", {}, format="json"), 201)
    decision = {
        "decision": "register",
        "registration_number": "45020026000777",
        "recognised_contract_amount": "1000000.00",
        "recognised_technology_amount": "800000.00",
    }
    with django_capture_on_commit_callbacks(execute=True):
        _ok(operator_client.post(f"/api/v1/registrations/{applied['id']}/decide", decision, format="json"))
    run_pending_effects()

    # 7. The statistics: an ASEAN inflow from Viet Nam, by country.
    month = market_today().strftime("%Y-%m")
    query = {
        "group_by": "seller_area",
        "seller_zone": "asean",
        "buyer_zone": "city,province,domestic",
        "date_from": month,
        "date_to": month,
        "compare": "false",
    }
    report = _ok(operator_client.get("/api/v1/stats/report", query))
    assert [row["key"] for row in report["rows"]] == [{"seller_area": VIETNAM}]
    assert report["rows"][0]["values"]["contract_count"] == 1
    assert report["rows"][0]["values"]["technology_amount"] == "800000.00"
    assert report["rows"][0]["labels"]["seller_area"] == "越南"
    csv = operator_client.get("/api/v1/stats/report", {**query, "format": "csv"})
    assert csv.status_code == 200
    assert "越南" in b"".join(csv.streaming_content if csv.streaming else [csv.content]).decode("utf-8-sig")
    # The ASEAN outflow has nothing: the seller is abroad, not the buyer.
    outflow = _ok(
        operator_client.get(
            "/api/v1/stats/report",
            {**query, "group_by": "buyer_area", "seller_zone": "city,province,domestic", "buyer_zone": "asean"},
        )
    )
    assert outflow["rows"] == []
    # In its sub-market of the network: the buyer registered it in Liuzhou, so the main market counts the inflow.
    by_market = _ok(operator_client.get("/api/v1/stats/report", {**query, "group_by": "market,seller_area"}))
    assert [row["key"] for row in by_market["rows"]] == [{"market": "liuzhou", "seller_area": VIETNAM}]
    assert by_market["rows"][0]["values"]["technology_amount"] == "800000.00"
    # Statistics are the operator's: the enterprises are refused.
    assert vn_client.get("/api/v1/stats/report", query).status_code == 403

    dashboard = Client()
    dashboard.post("/stats/login/", {"username": operator.email, "password": TEST_PASSWORD})
    page = dashboard.get("/stats/dashboard/", {"year": market_today().year}).content.decode()
    section = page[page.index('id="h-asean"') :]
    assert "越南" in section[: section.index("</section>")]
