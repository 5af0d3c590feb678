from django.urls import path

from apps.reference import apis

urlpatterns = [
    path(
        "reference/technology-fields",
        apis.TechnologyFieldListApi.as_view(),
        name="reference-technology-fields",
    ),
    path("reference/industries", apis.IndustryListApi.as_view(), name="reference-industries"),
    path("reference/regions", apis.RegionListApi.as_view(), name="reference-regions"),
    path("reference/countries", apis.CountryListApi.as_view(), name="reference-countries"),
    path("reference/entity-types", apis.EntityTypeListApi.as_view(), name="reference-entity-types"),
]
