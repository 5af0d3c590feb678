from django.urls import path

from apps.organizations import apis

urlpatterns = [
    path("organizations", apis.OrganizationListCreateApi.as_view(), name="organizations"),
    path("organizations/<int:organization_id>", apis.OrganizationDetailApi.as_view(), name="organization-detail"),
    path(
        "organizations/<int:organization_id>/verify", apis.OrganizationVerifyApi.as_view(), name="organization-verify"
    ),
    path(
        "organizations/<int:organization_id>/members",
        apis.MembershipListCreateApi.as_view(),
        name="organization-members",
    ),
    path(
        "organizations/<int:organization_id>/members/<int:membership_id>",
        apis.MembershipDetailApi.as_view(),
        name="organization-member-detail",
    ),
]
