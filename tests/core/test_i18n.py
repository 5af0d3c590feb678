"""Chinese first: messages are zh-hans by default and English on request, per reader."""

from __future__ import annotations

import pytest

from apps.notifications.models import Notification
from tests.factories import OrganizationFactory, UserFactory, member_of, operator_user

pytestmark = pytest.mark.django_db


def test_errors_are_in_chinese_by_default_and_english_on_request(client_for):
    client = client_for(UserFactory())
    bad = {
        "name": "x",
        "type": "enterprise",
        "credit_code": "91350100M000100Y44",
        "region_code": "450202",
        "entity_type_code": "170",
    }
    zh = client.post("/api/v1/organizations", bad, format="json")
    en = client.post("/api/v1/organizations", bad, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert zh.json()["errors"][0]["message"] == "校验码错误：应为 3。"
    assert en.json()["errors"][0]["message"] == "The check character is wrong: expected 3."
    assert zh["Content-Language"] == "zh-hans"
    assert en["Content-Language"] == "en"


def test_each_recipient_reads_a_notification_in_their_own_language(client_for):
    from apps.organizations.models import VerificationStatus

    organization = OrganizationFactory(name="柳州示例企业", verification_status=VerificationStatus.PENDING)
    chinese_admin = member_of(organization, preferred_language="zh-hans")
    english_admin = member_of(organization, preferred_language="en")
    # The operator acts in English; each admin still reads the notice in their own language.
    client_for(operator_user()).post(
        f"/api/v1/organizations/{organization.pk}/verify", {"approve": True}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert Notification.objects.get(recipient=chinese_admin).title == "柳州示例企业 已通过审核"
    assert Notification.objects.get(recipient=english_admin).title == "柳州示例企业 has been verified"
