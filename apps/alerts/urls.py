from django.urls import URLPattern, URLResolver, path

from apps.alerts import apis, feed_apis

urlpatterns: list[URLPattern | URLResolver] = [
    path("saved-searches", apis.SavedSearchListCreateApi.as_view(), name="saved-searches"),
    path("saved-searches/<int:saved_search_id>", apis.SavedSearchDetailApi.as_view(), name="saved-search-detail"),
    path(
        "saved-searches/<int:saved_search_id>/preview",
        apis.SavedSearchPreviewApi.as_view(),
        name="saved-search-preview",
    ),
    path(
        "saved-searches/<int:saved_search_id>/digests",
        apis.SavedSearchDigestListApi.as_view(),
        name="saved-search-digests",
    ),
    path("open-data/listings", feed_apis.PublicListingsFeedApi.as_view(), name="open-data-listings"),
    path("open-data/listings.atom", feed_apis.PublicListingsAtomApi.as_view(), name="open-data-listings-atom"),
]
