"""Deprecated parameters answer with Deprecation (RFC 9745), Sunset (RFC 8594) and a changelog Link."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from apps.core.deprecation import deprecated
from apps.organizations.models import MembershipRole
from tests.factories import OrganizationFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys_url_and_admin():
    organization = OrganizationFactory(name="柳州市科技成果转化中心")
    return f"/api/v1/organizations/{organization.pk}/api-keys", member_of(organization, role=MembershipRole.ADMIN)


def test_using_the_deprecated_scope_field_answers_with_deprecation_sunset_and_link(client_for, keys_url_and_admin):
    url, admin = keys_url_and_admin
    response = client_for(admin).post(url, {"name": "旧系统", "scope": "read_write"}, format="json")
    assert response.status_code == 201
    entry = settings.API_DEPRECATIONS["api_key_scope"]
    since = datetime.fromisoformat(entry["since"]).replace(tzinfo=UTC)
    assert response["Deprecation"] == f"@{int(since.timestamp())}"
    sunset = parsedate_to_datetime(response["Sunset"])
    assert sunset == datetime.fromisoformat(entry["sunset"]).replace(tzinfo=UTC)
    assert (sunset - since).days >= 180  # the policy's six months
    assert response["Link"] == f'</api/changelog#{entry["changelog"]}>; rel="deprecation"; type="text/markdown"'

    # The replacement carries no notice.
    current = client_for(admin).post(url, {"name": "新系统", "scopes": ["contracts:read"]}, format="json")
    assert current.status_code == 201
    assert "Deprecation" not in current and "Sunset" not in current


def test_the_changelog_link_resolves_to_the_entry(keys_url_and_admin, client_for):
    url, admin = keys_url_and_admin
    link = client_for(admin).post(url, {"name": "旧系统", "scope": "read"}, format="json")["Link"]
    target = link.split(">", 1)[0].lstrip("<")
    path, anchor = target.split("#")
    response = APIClient().get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    text = response.content.decode()
    assert f'<a id="{anchor}"></a>' in text
    assert "## Policy" in text
    assert "Access-Control-Expose-Headers" not in response  # no Origin sent: CORS untouched


def test_the_schema_marks_it_deprecated_with_its_dates():
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/organizations/{organization_id}/api-keys"]["post"]
    assert operation["x-deprecation"]["sunset"] == settings.API_DEPRECATIONS["api_key_scope"]["sunset"]
    assert operation["x-deprecation"]["parameters"] == ["scope"]
    assert "**Deprecated:**" in operation["description"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][ref]["properties"]["scope"]["deprecated"] is True
    assert "deprecated" not in schema["components"]["schemas"][ref]["properties"]["scopes"]


def test_a_deprecation_key_must_be_declared_in_settings():
    with pytest.raises(KeyError):
        deprecated("no_such_deprecation")


def test_a_whole_deprecated_operation_answers_with_the_headers_and_is_marked_in_the_schema(settings):
    """The mechanism for an operation (no parameters): every call carries the notice."""
    from django.urls import path
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.utils import extend_schema
    from rest_framework.permissions import AllowAny
    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    settings.API_DEPRECATIONS = {
        **settings.API_DEPRECATIONS,
        "old_report": {"since": "2026-12-01", "sunset": "2027-07-01", "changelog": "old-report"},
    }

    class OldReportApi(APIView):
        authentication_classes = ()
        permission_classes = (AllowAny,)

        @extend_schema(operation_id="old_report", responses={200: None})
        @deprecated("old_report")
        def get(self, request):
            return Response({"成交额": "645.1亿元"})

    response = OldReportApi.as_view()(APIRequestFactory().get("/api/v1/old-report"))
    assert response.status_code == 200
    assert response["Deprecation"] == "@1796083200"  # 2026-12-01T00:00:00Z
    assert response["Sunset"] == "Thu, 01 Jul 2027 00:00:00 GMT"
    assert response["Link"] == '</api/changelog#old-report>; rel="deprecation"; type="text/markdown"'

    generator = SchemaGenerator(patterns=[path("api/v1/old-report", OldReportApi.as_view())])
    operation = generator.get_schema(request=None, public=True)["paths"]["/api/v1/old-report"]["get"]
    assert operation["deprecated"] is True
    assert operation["operationId"] == "old_report"
    assert operation["x-deprecation"]["sunset"] == "2027-07-01"
