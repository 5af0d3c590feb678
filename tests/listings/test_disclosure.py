"""Disclosure: NDA requests, the confidential part, attachments and the access log."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.listings.models import Attachment, ConfidentialAccess, ListingStatus, NdaRequest
from apps.notifications.models import Notification
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.listings.factories import make_achievement, make_demand

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org():
    return OrganizationFactory(name="柳州职业技术学院")


@pytest.fixture
def owner(org):
    return member_of(org)


@pytest.fixture
def listing(org):
    return make_achievement(org, confidential_detail="工艺窗口：退火温度 650℃", contact_phone="0772-7654321")


@pytest.fixture
def requester_org():
    return OrganizationFactory(name="上汽通用五菱汽车股份有限公司（示例）")


@pytest.fixture
def requester(requester_org):
    return member_of(requester_org)


def _upload(client, listing, name="工艺说明.pdf", content=PDF, is_public=False, kind="achievements"):
    return client.post(
        f"/api/v1/{kind}/{listing.pk}/attachments",
        {"file": SimpleUploadedFile(name, content), "is_public": is_public},
        format="multipart",
    )


def test_nda_flow_end_to_end(client_for, owner, listing, requester, requester_org):
    requester_client, owner_client = client_for(requester), client_for(owner)

    before = requester_client.get(f"/api/v1/achievements/{listing.pk}/confidential")
    assert before.status_code == 403
    assert before.json()["code"] == "nda_required"
    assert requester_client.get(f"/api/v1/achievements/{listing.pk}").json()["viewer_access"] == "none"

    created = requester_client.post(f"/api/v1/achievements/{listing.pk}/nda-requests", {"message": "拟开展中试合作"})
    assert created.status_code == 201
    nda_id = created.json()["id"]
    assert created.json()["status"] == "pending"
    assert Notification.objects.filter(recipient=owner, kind="nda_requested").exists()
    assert requester_client.get(f"/api/v1/achievements/{listing.pk}").json()["viewer_access"] == "nda_pending"
    assert requester_client.get(f"/api/v1/achievements/{listing.pk}/confidential").status_code == 403

    accepted = owner_client.post(f"/api/v1/nda-requests/{nda_id}/accept", {"note": "同意"})
    assert accepted.json()["status"] == "accepted"
    assert Notification.objects.filter(recipient=requester, kind="nda_decided").exists()

    secret = requester_client.get(f"/api/v1/achievements/{listing.pk}/confidential")
    assert secret.status_code == 200
    assert secret.json()["confidential_detail"] == "工艺窗口：退火温度 650℃"
    assert secret.json()["contact_phone"] == "0772-7654321"
    assert secret.json()["access_reason"] == "nda"

    log = owner_client.get(f"/api/v1/achievements/{listing.pk}/access-log").json()["results"]
    assert [(row["kind"], row["organization"]["id"], row["user_name"]) for row in log] == [
        ("detail", requester_org.pk, requester.name)
    ]

    revoked = owner_client.post(f"/api/v1/nda-requests/{nda_id}/revoke", {"note": "合作终止"})
    assert revoked.json()["status"] == "revoked"
    after = requester_client.get(f"/api/v1/achievements/{listing.pk}/confidential")
    assert after.status_code == 403
    assert ConfidentialAccess.objects.count() == 1  # refused reads are not accesses

    # After a revocation the organisation may ask again.
    again = requester_client.post(f"/api/v1/achievements/{listing.pk}/nda-requests", {})
    assert again.status_code == 201


def test_declined_request_gives_no_access(client_for, owner, listing, requester):
    nda_id = client_for(requester).post(f"/api/v1/achievements/{listing.pk}/nda-requests").json()["id"]
    assert client_for(owner).post(f"/api/v1/nda-requests/{nda_id}/decline").json()["status"] == "declined"
    assert client_for(requester).get(f"/api/v1/achievements/{listing.pk}/confidential").status_code == 403
    refused = client_for(owner).post(f"/api/v1/nda-requests/{nda_id}/accept")
    assert refused.status_code == 409
    assert refused.json()["code"] == "nda_bad_state"


def test_only_the_owner_decides(client_for, listing, requester):
    nda_id = client_for(requester).post(f"/api/v1/achievements/{listing.pk}/nda-requests").json()["id"]
    # The requester sees its own request but cannot accept it.
    assert client_for(requester).get(f"/api/v1/nda-requests/{nda_id}").status_code == 200
    response = client_for(requester).post(f"/api/v1/nda-requests/{nda_id}/accept")
    assert response.status_code == 403
    # A third organisation does not even see it.
    stranger = client_for(member_of(OrganizationFactory()))
    assert stranger.get(f"/api/v1/nda-requests/{nda_id}").status_code == 404
    assert stranger.post(f"/api/v1/nda-requests/{nda_id}/accept").status_code == 404
    assert NdaRequest.objects.get(pk=nda_id).status == "pending"


def test_nda_request_refusals(client_for, owner, org, listing, requester):
    own = client_for(owner).post(f"/api/v1/achievements/{listing.pk}/nda-requests")
    assert own.status_code == 400
    assert own.json()["code"] == "nda_own_listing"

    client = client_for(requester)
    assert client.post(f"/api/v1/achievements/{listing.pk}/nda-requests").status_code == 201
    twice = client.post(f"/api/v1/achievements/{listing.pk}/nda-requests")
    assert twice.status_code == 409
    assert twice.json()["code"] == "nda_already_open"

    unpublished = make_achievement(org, status=ListingStatus.WITHDRAWN)
    # Not visible to the requester at all, so 404 rather than a hint that it exists.
    assert client.post(f"/api/v1/achievements/{unpublished.pk}/nda-requests").status_code == 404
    assert NdaRequest.objects.count() == 1


def test_requesters_see_only_their_own_requests(client_for, owner, listing, requester):
    client_for(requester).post(f"/api/v1/achievements/{listing.pk}/nda-requests")
    other = member_of(OrganizationFactory())
    client_for(other).post(f"/api/v1/achievements/{listing.pk}/nda-requests")
    assert len(client_for(owner).get(f"/api/v1/achievements/{listing.pk}/nda-requests").json()["results"]) == 2
    mine = client_for(requester).get(f"/api/v1/achievements/{listing.pk}/nda-requests").json()["results"]
    assert len(mine) == 1


def test_owner_reads_without_being_logged_and_operator_is_logged(client_for, owner, listing):
    assert client_for(owner).get(f"/api/v1/achievements/{listing.pk}/confidential").json()["access_reason"] == "owner"
    assert ConfidentialAccess.objects.count() == 0
    operator = operator_user()
    assert client_for(operator).get(f"/api/v1/achievements/{listing.pk}/confidential").status_code == 200
    assert ConfidentialAccess.objects.get().user == operator


def test_access_log_is_the_owners(client_for, listing, requester):
    assert client_for(requester).get(f"/api/v1/achievements/{listing.pk}/access-log").status_code == 404


def test_demands_have_the_same_disclosure(client_for, org, requester):
    demand = make_demand(org, confidential_detail="现有工艺参数")
    nda_id = client_for(requester).post(f"/api/v1/demands/{demand.pk}/nda-requests").json()["id"]
    client_for(member_of(org)).post(f"/api/v1/nda-requests/{nda_id}/accept")
    body = client_for(requester).get(f"/api/v1/demands/{demand.pk}/confidential").json()
    assert body["confidential_detail"] == "现有工艺参数"
    assert ConfidentialAccess.objects.get().demand == demand


# --- attachments -------------------------------------------------------------------------------


def test_confidential_attachment_download_is_checked_and_logged(client_for, api_client, owner, listing, requester):
    uploaded = _upload(client_for(owner), listing)
    assert uploaded.status_code == 201, uploaded.json()
    attachment_id = uploaded.json()["id"]
    assert uploaded.json()["content_type"] == "application/pdf"
    url = f"/api/v1/achievements/{listing.pk}/attachments/{attachment_id}"

    assert api_client.get(url).status_code == 403
    assert client_for(requester).get(url).status_code == 403
    assert api_client.get(f"/api/v1/achievements/{listing.pk}/attachments").json() == []

    nda_id = client_for(requester).post(f"/api/v1/achievements/{listing.pk}/nda-requests").json()["id"]
    client_for(owner).post(f"/api/v1/nda-requests/{nda_id}/accept")
    download = client_for(requester).get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "filename*=utf-8''%E5%B7%A5%E8%89%BA" in download["Content-Disposition"]
    entry = ConfidentialAccess.objects.get()
    assert (entry.kind, entry.attachment_id) == ("attachment", attachment_id)


def test_public_attachment_is_open_to_all(client_for, api_client, owner, listing):
    attachment_id = _upload(client_for(owner), listing, name="brochure.pdf", is_public=True).json()["id"]
    assert api_client.get(f"/api/v1/achievements/{listing.pk}/attachments/{attachment_id}").status_code == 200
    assert [a["id"] for a in api_client.get(f"/api/v1/achievements/{listing.pk}/attachments").json()] == [attachment_id]
    assert ConfidentialAccess.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "status", "code"),
    [
        ("virus.exe", b"MZ\x90\x00", 415, "attachment_type_not_allowed"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", 415, "attachment_type_not_allowed"),
        ("fake.png", PDF, 415, "attachment_type_not_allowed"),
        ("binary.txt", b"\xff\xfe\x00\x00\x81\x82" * 10, 415, "attachment_type_not_allowed"),
    ],
)
def test_bad_uploads_are_refused(name, content, status, code, client_for, owner, listing):
    response = _upload(client_for(owner), listing, name=name, content=content)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert Attachment.objects.count() == 0


def test_oversized_upload_is_413(client_for, owner, listing, settings):
    settings.LISTING_ATTACHMENT_MAX_BYTES = 1024
    response = _upload(client_for(owner), listing, content=PDF + b"0" * 2048)
    assert response.status_code == 413
    assert response.json()["code"] == "attachment_too_large"
    assert Attachment.objects.count() == 0


def test_empty_upload_is_400(client_for, owner, listing):
    response = _upload(client_for(owner), listing, content=b"")
    assert response.status_code == 400
    assert Attachment.objects.count() == 0


def test_attachment_limit(client_for, owner, listing, settings):
    settings.LISTING_ATTACHMENTS_MAX = 1
    client = client_for(owner)
    assert _upload(client, listing).status_code == 201
    assert _upload(client, listing, name="第二份.txt", content="说明".encode()).status_code == 409
    assert Attachment.objects.count() == 1


def test_only_owner_uploads_and_deletes(client_for, owner, listing, requester, django_capture_on_commit_callbacks):
    assert _upload(client_for(requester), listing).status_code == 403
    attachment_id = _upload(client_for(owner), listing).json()["id"]
    url = f"/api/v1/achievements/{listing.pk}/attachments/{attachment_id}"
    assert client_for(requester).delete(url).status_code == 403
    stored = Attachment.objects.get()
    path = stored.file.path
    assert os.path.exists(path)
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(owner).delete(url).status_code == 204
    assert Attachment.objects.count() == 0
    assert not os.path.exists(path)  # the file goes with the row (on commit)


def test_stored_file_name_is_not_the_clients(client_for, owner, listing):
    _upload(client_for(owner), listing, name="../../etc/passwd.txt", content=b"root")
    stored = Attachment.objects.get()
    assert stored.original_name == "passwd.txt"
    assert ".." not in stored.file.name
    assert "passwd" not in stored.file.name
    assert io.BytesIO(stored.file.read()).read() == b"root"


# --- query counts of the owner-side lists ------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 5])
def test_owner_side_list_query_counts(rows, client_for, owner, org, listing, django_assert_num_queries):
    from apps.listings.models import AccessKind, ListingEvent
    from apps.listings.services import confidential_access_record

    for n in range(rows):
        other = OrganizationFactory()
        reader = member_of(other)
        NdaRequest.objects.create(achievement=listing, organization=other, requested_by=reader, status="accepted")
        confidential_access_record(actor=reader, listing=listing, organization_id=other.pk, kind=AccessKind.DETAIL)
        ListingEvent.objects.create(achievement=listing, from_status="", to_status="draft", actor=reader)
        Attachment.objects.create(
            achievement=listing,
            file=f"x{n}.pdf",
            original_name=f"{n}.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
        )
    client = client_for(owner)
    base = f"/api/v1/achievements/{listing.pk}"
    # user, memberships, the listing, the page.
    expected = {"events": 4, "nda-requests": 4, "access-log": 4, "attachments": 4}
    for path, count in expected.items():
        with django_assert_num_queries(count):
            response = client.get(f"{base}/{path}")
        assert response.status_code == 200
        body = response.json()
        assert len(body if isinstance(body, list) else body["results"]) >= rows


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_an_unverified_organisation_cannot_request_an_nda(client_for, owner, listing, status):
    unverified = OrganizationFactory(name="未认证科技有限公司", verification_status=status)
    client = client_for(member_of(unverified))
    response = client.post(f"/api/v1/achievements/{listing.pk}/nda-requests", {"message": "想了解工艺"}, format="json")
    assert response.status_code == 403, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "nda_organization_not_verified"
    assert not NdaRequest.objects.exists()
    assert not Notification.objects.filter(kind="nda_requested").exists()
    # Once the operator verifies it, the same member asks and the owner hears of it.
    unverified.verification_status = "verified"
    unverified.save(update_fields=["verification_status"])
    assert client.post(f"/api/v1/achievements/{listing.pk}/nda-requests").status_code == 201
    assert NdaRequest.objects.get().organization == unverified
