"""The README's walk-through on a fresh demo, over HTTP as a newcomer follows it: the university's admin
records a contract with the README's enterprise, uploads it, applies; the operator registers it.

No demo broker introduced that pair, so the contract raises no broker-bypass alert. The same steps
between a pair a demo broker did introduce do raise one (the check is live here, not switched off).
A fresh demo also shows the annuity reminders due today, without waiting for the 06:30 scan.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from apps.contracts.models import BypassAlert
from apps.contracts.selectors import market_today
from apps.contracts.services.bypass import BYPASS_NOTIFICATION_KIND
from apps.core.effects import run_pending_effects
from apps.custody.models import CustodyAsset
from apps.demo.accounts import DEMO_PASSWORD
from apps.demo.data import DEMO_EMAIL_DOMAIN
from apps.demo.market_loader import demo_pdf
from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True)
def demo(settings: Settings) -> None:
    settings.DEBUG = True
    call_command("load_demo_data", verbosity=0)


def login(local_part: str) -> APIClient:
    """POST auth/token with the README's demo password, then use the access token."""
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token", {"email": f"{local_part}@{DEMO_EMAIL_DOMAIN}", "password": DEMO_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client


def organization_id(client: APIClient, query: str) -> int:
    response = client.get("/api/v1/organizations", {"q": query})
    assert response.status_code == 200, response.json()
    (found,) = response.json()["results"]
    return int(found["id"])


def walk_through(*, seller: str, buyer_query: str, seller_query: str) -> int:
    """The README's steps; returns the contract's id."""
    university = login(seller)
    body = {
        "title": "底盘冲焊件焊接变形控制技术开发合同",
        "type": "development",
        "subtype": "commissioned_development",
        "ip_type": "technical_secret",
        "technology_field_code": "03",
        "programme_class": "none",
        "signed_on": market_today().isoformat(),
        "contract_amount": "500000.00",
        "buyer_id": organization_id(university, buyer_query),
        "seller_id": organization_id(university, seller_query),
    }
    created = university.post("/api/v1/contracts", body, format="json", HTTP_IDEMPOTENCY_KEY=f"first-{seller}")
    assert created.status_code == 201, created.json()
    contract_id = created.json()["id"]
    upload = SimpleUploadedFile("contract.pdf", demo_pdf("Signed contract"), content_type="application/pdf")
    document = university.post(f"/api/v1/contracts/{contract_id}/document", {"file": upload}, format="multipart")
    assert document.status_code == 200, document.json()
    applied = university.post(f"/api/v1/contracts/{contract_id}/registration", {}, format="json")
    assert applied.status_code == 201, applied.json()
    decided = login("wei.lihua").post(
        f"/api/v1/registrations/{applied.json()['id']}/decide", {"decision": "register"}, format="json"
    )
    assert decided.status_code == 200, decided.json()
    assert decided.json()["status"] == "registered"
    run_pending_effects()  # what the worker does after commit: the bypass check among them
    return int(contract_id)


def test_the_readme_walk_through_raises_no_broker_bypass_alert() -> None:
    readme = README.read_text(encoding="utf-8")
    # The steps below are the README's: its accounts, its pair and its paths.
    for text in ("li.wenbo", "qin.haiyang@", "wei.lihua", "柳州示例汽车零部件", "/api/v1/contracts", "/decide"):
        assert text in readme, text

    contract_id = walk_through(seller="li.wenbo", buyer_query="柳州示例汽车零部件", seller_query="广西示例科技大学")

    assert not BypassAlert.objects.filter(contract_id=contract_id).exists()
    assert not Notification.objects.filter(kind=BYPASS_NOTIFICATION_KIND).exists()
    operator = login("wei.lihua")
    report = operator.get("/api/v1/stats/report", {"group_by": "period", "period": "month", "compare": "false"})
    this_month = market_today().strftime("%Y-%m")
    assert any(row["key"]["period"] == this_month for row in report.json()["rows"])


def test_the_same_steps_between_a_pair_a_broker_introduced_do_alert_the_broker() -> None:
    # 蒙帆 introduced 示例工程机械 and 示例科大 (apps/demo/market.py, "loader").
    contract_id = walk_through(seller="li.wenbo", buyer_query="柳州示例工程机械", seller_query="广西示例科技大学")

    alert = BypassAlert.objects.select_related("broker__user").get(contract_id=contract_id)
    assert alert.broker.user.email == f"meng.fan@{DEMO_EMAIL_DOMAIN}"
    notice = Notification.objects.filter(kind=BYPASS_NOTIFICATION_KIND, recipient=alert.broker.user).get()
    # The notice explains itself: who signed what, when, without whom, introduced when.
    assert "蒙帆" in str(notice.body) and "示例" in str(notice.body)


def test_a_fresh_demo_shows_the_annuity_reminders_due_today() -> None:
    agency = login("tang.xin")
    overdue = CustodyAsset.objects.select_related("asset").get(asset__title="一种挖掘机远程故障诊断系统")
    assert overdue.next_due_date < market_today()  # due about two months ago, in its grace period

    response = agency.get(f"/api/v1/custody/assets/{overdue.pk}/reminders")

    assert response.status_code == 200, response.json()
    reminders = response.json()["results"] if isinstance(response.json(), dict) else response.json()
    assert reminders, "the overdue patent's reminder is there on a fresh demo"
    # Owner and custodian have their digests in the app (and the e-mails are queued as effects).
    told = set(Notification.objects.filter(kind="custody_annuity_reminder").values_list("recipient__email", flat=True))
    assert {f"tang.xin@{DEMO_EMAIL_DOMAIN}", f"huang.zhiqiang@{DEMO_EMAIL_DOMAIN}"} <= told
