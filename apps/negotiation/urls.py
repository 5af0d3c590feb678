"""A deal's negotiation, under the deal's URL (the deals scope family for API keys)."""

from django.urls import path

from apps.negotiation import apis

urlpatterns = [
    path("deals/<int:deal_id>/threads", apis.ThreadListCreateApi.as_view(), name="negotiation-threads"),
    path("deals/<int:deal_id>/threads/<int:thread_id>", apis.ThreadDetailApi.as_view(), name="negotiation-thread"),
    path(
        "deals/<int:deal_id>/threads/<int:thread_id>/messages",
        apis.MessageListCreateApi.as_view(),
        name="negotiation-messages",
    ),
    path("deals/<int:deal_id>/threads/<int:thread_id>/read", apis.ThreadReadApi.as_view(), name="negotiation-read"),
    path(
        "deals/<int:deal_id>/threads/<int:thread_id>/messages/<int:message_id>/attachments/<int:attachment_id>",
        apis.AttachmentDownloadApi.as_view(),
        name="negotiation-attachment",
    ),
]
