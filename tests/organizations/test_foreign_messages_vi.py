"""API messages in Vietnamese (Accept-Language: vi) for the commonest errors.

The Vietnamese catalogue is merged by the lead (helper "vi" writes it; this branch supplies its own
msgids in asean.vi.json): until then these strings fall back to Chinese and this test fails.
"""

from __future__ import annotations

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_errors_in_vietnamese(api_client, client_for):
    anonymous = api_client.get("/api/v1/organizations", HTTP_ACCEPT_LANGUAGE="vi")
    assert anonymous.status_code == 401
    assert anonymous["Content-Language"] == "vi"
    body = anonymous.json()
    assert (body["title"], body["detail"]) == ("Chưa xác thực", "Thông tin xác thực chưa được cung cấp.")

    client = client_for(UserFactory())
    missing = client.post("/api/v1/organizations", {}, format="json", HTTP_ACCEPT_LANGUAGE="vi").json()
    assert (missing["title"], missing["detail"]) == ("Yêu cầu không hợp lệ", "Yêu cầu có trường không hợp lệ.")
    assert {error["message"] for error in missing["errors"]} == {"Trường này là bắt buộc."}

    wrong = client.post(
        "/api/v1/organizations",
        {"name": "Công ty A", "type": "enterprise", "entity_type_code": "300", "country": "VN", "registration_id": "1"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="vi",
    ).json()
    assert wrong["code"] == "invalid_registration_id"
    assert wrong["detail"].startswith("Mã số doanh nghiệp Việt Nam gồm 10 chữ số")
