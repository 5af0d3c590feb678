"""Negotiation over HTTP: threads, messages with files, unread counts and read state; only the deal's
parties and brokers see it; a party without the listing's NDA is refused until it is accepted."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.utils import InternalError

from apps.negotiation.models import Message, MessageAttachment, Thread
from apps.notifications.models import Notification
from tests.deals.factories import DealWorld
from tests.factories import operator_user
from tests.listings.factories import make_achievement

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db) -> DealWorld:
    return DealWorld()


def _threads(deal):
    return f"/api/v1/deals/{deal.pk}/threads"


def test_parties_and_broker_negotiate_with_files_and_unread_counts(world, client_for):
    deal = world.deal()
    buyer, seller, broker = client_for(world.buyer_user), client_for(world.seller_user), client_for(world.broker.user)

    opened = buyer.post(
        _threads(deal),
        {
            "subject": "许可费与付款节点",
            "body": "首付30%，验收后付清。",
            "files": [SimpleUploadedFile("付款节点.pdf", PDF, content_type="application/pdf")],
        },
        format="multipart",
    )
    assert opened.status_code == 201, opened.json()
    thread = opened.json()
    assert (thread["message_count"], thread["unread_count"]) == (1, 0)
    assert Notification.objects.filter(recipient=world.seller_user, kind="negotiation.message").exists()
    assert Notification.objects.filter(recipient=world.broker.user, kind="negotiation.message").exists()
    assert not Notification.objects.filter(recipient=world.buyer_user, kind="negotiation.message").exists()

    listed = seller.get(_threads(deal)).json()["results"]
    assert [(t["subject"], t["unread_count"]) for t in listed] == [("许可费与付款节点", 1)]
    messages_url = f"{_threads(deal)}/{thread['id']}/messages"
    messages = seller.get(messages_url).json()["results"]
    assert messages[0]["author_role"] == "buyer" and messages[0]["author_organization_id"] == world.buyer.pk
    attachment = messages[0]["attachments"][0]
    assert attachment["name"] == "付款节点.pdf"
    download = seller.get(f"{messages_url}/{messages[0]['id']}/attachments/{attachment['id']}")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF

    reply = broker.post(messages_url, {"body": "建议首付降至20%，双方各让一步。"}, format="json")
    assert reply.status_code == 201 and reply.json()["author_role"] == "broker"
    assert seller.get(f"{_threads(deal)}/{thread['id']}").json()["unread_count"] == 2
    assert buyer.get(f"{_threads(deal)}/{thread['id']}").json()["unread_count"] == 1

    read = seller.post(f"{_threads(deal)}/{thread['id']}/read", {"up_to_message_id": messages[0]["id"]}, format="json")
    assert read.status_code == 200 and read.json()["last_read_message_id"] == messages[0]["id"]
    assert seller.get(f"{_threads(deal)}/{thread['id']}").json()["unread_count"] == 1
    seller.post(f"{_threads(deal)}/{thread['id']}/read", {}, format="json")
    assert seller.get(f"{_threads(deal)}/{thread['id']}").json()["unread_count"] == 0
    # Read state never moves back.
    back = seller.post(f"{_threads(deal)}/{thread['id']}/read", {"up_to_message_id": messages[0]["id"]}, format="json")
    assert back.json()["last_read_message_id"] == reply.json()["id"]

    # Messages are a record: the database refuses to edit one.
    with pytest.raises(InternalError), transaction.atomic():
        Message.objects.filter(pk=reply.json()["id"]).update(body="改过")


def test_outsiders_and_the_operator_get_404_and_nothing_changes(world, client_for):
    deal = world.deal()
    thread = client_for(world.buyer_user).post(_threads(deal), {"subject": "交付", "body": "何时交付？"}, format="json")
    thread_id = thread.json()["id"]
    message_id = Message.objects.get().pk
    for user in (world.outsider, operator_user()):
        client = client_for(user)
        assert client.get(_threads(deal)).status_code == 404
        assert client.get(f"{_threads(deal)}/{thread_id}/messages").status_code == 404
        assert client.post(_threads(deal), {"subject": "x", "body": "y"}, format="json").status_code == 404
        posted = client.post(f"{_threads(deal)}/{thread_id}/messages", {"body": "插话"}, format="json")
        assert posted.status_code == 404
    assert Thread.objects.count() == 1 and Message.objects.count() == 1
    # A thread of another deal is not reachable through this one.
    other = world.deal()
    assert client_for(world.buyer_user).get(f"{_threads(other)}/{thread_id}").status_code == 404
    assert (
        client_for(world.buyer_user)
        .get(f"{_threads(deal)}/{thread_id}/messages/{message_id}/attachments/1")
        .status_code
        == 404
    )


def test_the_listing_nda_gates_the_party_that_does_not_own_it(world, client_for):
    achievement = make_achievement(world.seller)
    deal = world.deal(achievement_id=achievement.pk)
    seller, buyer = client_for(world.seller_user), client_for(world.buyer_user)
    opened = seller.post(_threads(deal), {"subject": "技术细节", "body": "核心参数见附件。"}, format="json")
    assert opened.status_code == 201

    refused = buyer.get(_threads(deal))
    assert refused.status_code == 403
    assert refused.json()["code"] == "negotiation_nda_required"
    assert refused.json()["listing_id"] == achievement.pk
    assert buyer.post(_threads(deal), {"subject": "x", "body": "y"}, format="json").status_code == 403
    # The broker runs the deal and is not gated.
    assert client_for(world.broker.user).get(_threads(deal)).status_code == 200

    nda = buyer.post(f"/api/v1/achievements/{achievement.pk}/nda-requests", {"message": "拟开展合作"})
    assert nda.status_code == 201
    assert seller.post(f"/api/v1/nda-requests/{nda.json()['id']}/accept", {"note": "同意"}).status_code == 200
    allowed = buyer.get(_threads(deal))
    assert allowed.status_code == 200 and allowed.json()["results"][0]["unread_count"] == 1


def test_bad_messages_are_refused_and_nothing_is_stored(world, client_for, settings):
    deal = world.deal()
    buyer = client_for(world.buyer_user)
    thread_id = buyer.post(_threads(deal), {"subject": "价格"}, format="json").json()["id"]
    url = f"{_threads(deal)}/{thread_id}/messages"
    empty = buyer.post(url, {"body": "   "}, format="json")
    assert empty.status_code == 400 and empty.json()["code"] == "negotiation_empty_message"
    exe = buyer.post(
        url,
        {
            "body": "附件",
            "files": [SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/octet-stream")],
        },
        format="multipart",
    )
    assert exe.status_code == 415
    too_many = buyer.post(
        url,
        {
            "body": "多",
            "files": [SimpleUploadedFile(f"{i}.pdf", PDF) for i in range(settings.NEGOTIATION_MAX_ATTACHMENTS + 1)],
        },
        format="multipart",
    )
    assert too_many.status_code == 400
    unknown = buyer.post(f"{_threads(deal)}/{thread_id}/read", {"up_to_message_id": 999999}, format="json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "negotiation_unknown_message"
    assert buyer.post(_threads(deal), {"subject": ""}, format="json").status_code == 400
    assert Message.objects.count() == 0 and MessageAttachment.objects.count() == 0
    assert Thread.objects.count() == 1


def test_list_query_counts_are_pinned(world, client_for, django_assert_max_num_queries):
    deal = world.deal()
    buyer = client_for(world.buyer_user)
    for n in range(3):
        thread_id = buyer.post(_threads(deal), {"subject": f"议题{n}", "body": "内容"}, format="json").json()["id"]
    seller = client_for(world.seller_user)
    seller.get(_threads(deal))  # warm the actor's caches the way every request does
    with django_assert_max_num_queries(8):
        assert len(seller.get(_threads(deal)).json()["results"]) == 3
    for _ in range(3):
        client_for(world.broker.user).post(f"{_threads(deal)}/{thread_id}/messages", {"body": "回复"}, format="json")
    with django_assert_max_num_queries(9):
        assert len(seller.get(f"{_threads(deal)}/{thread_id}/messages").json()["results"]) == 4
