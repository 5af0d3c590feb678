from django.urls import URLPattern, URLResolver, include, path

from apps.listings.apis import ACHIEVEMENT, DEMAND, NdaRequestDetailApi, nda_decision_view, views_for
from apps.listings.custody_apis import ToMarketApi


def _routes(kind_views: dict, plural: str) -> list[URLPattern]:
    v = kind_views
    return [
        path(f"{plural}", v["list"].as_view(), name=f"{plural}-list"),
        path(f"{plural}/<int:pk>", v["detail"].as_view(), name=f"{plural}-detail"),
        path(
            f"{plural}/by-external-id/<str:external_id>",
            v["by_external_id"].as_view(),
            name=f"{plural}-by-external-id",
        ),
        path(f"{plural}/<int:pk>/submit", v["submit"].as_view(), name=f"{plural}-submit"),
        path(f"{plural}/<int:pk>/review", v["review"].as_view(), name=f"{plural}-review"),
        path(f"{plural}/<int:pk>/home-market", v["move_market"].as_view(), name=f"{plural}-home-market"),
        path(f"{plural}/<int:pk>/withdraw", v["withdraw"].as_view(), name=f"{plural}-withdraw"),
        path(f"{plural}/<int:pk>/reopen", v["reopen"].as_view(), name=f"{plural}-reopen"),
        path(f"{plural}/<int:pk>/mark-transferred", v["mark_transferred"].as_view(), name=f"{plural}-mark-transferred"),
        path(f"{plural}/<int:pk>/events", v["events"].as_view(), name=f"{plural}-events"),
        path(f"{plural}/<int:pk>/confidential", v["confidential"].as_view(), name=f"{plural}-confidential"),
        path(f"{plural}/<int:pk>/attachments", v["attachments"].as_view(), name=f"{plural}-attachments"),
        path(
            f"{plural}/<int:pk>/attachments/<int:attachment_id>",
            v["attachment"].as_view(),
            name=f"{plural}-attachment",
        ),
        path(f"{plural}/<int:pk>/nda-requests", v["nda_requests"].as_view(), name=f"{plural}-nda-requests"),
        path(f"{plural}/<int:pk>/access-log", v["access_log"].as_view(), name=f"{plural}-access-log"),
    ]


urlpatterns: list[URLPattern | URLResolver] = [
    # Bulk import/export first: "achievements/import" must not be read as an id.
    path("", include("apps.listings.bulk_urls")),
    *_routes(views_for(ACHIEVEMENT), "achievements"),
    *_routes(views_for(DEMAND), "demands"),
    path("nda-requests/<int:pk>", NdaRequestDetailApi.as_view(), name="nda-request-detail"),
    *[
        path(f"nda-requests/<int:pk>/{action}", nda_decision_view(action).as_view(), name=f"nda-request-{action}")
        for action in ("accept", "decline", "revoke")
    ],
    path("custody/assets/<int:pk>/to-market", ToMarketApi.as_view(), name="custody-asset-to-market"),
]
