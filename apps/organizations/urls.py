from django.urls import path

from apps.organizations import account_apis, apis, changes_apis, document_apis, evidence_apis

urlpatterns = [
    path("organizations", apis.OrganizationListCreateApi.as_view(), name="organizations"),
    path("organizations/<int:organization_id>", apis.OrganizationDetailApi.as_view(), name="organization-detail"),
    path(
        "organizations/<int:organization_id>/verify", apis.OrganizationVerifyApi.as_view(), name="organization-verify"
    ),
    path(
        "organizations/<int:organization_id>/verification-documents",
        document_apis.VerificationDocumentListCreateApi.as_view(),
        name="organization-verification-documents",
    ),
    path(
        "organizations/<int:organization_id>/verification-documents/<int:document_id>/file",
        document_apis.VerificationDocumentFileApi.as_view(),
        name="organization-verification-document-file",
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
    # The parts of a person's account that belong to the organisations (moved here from accounts).
    path("me", account_apis.MeApi.as_view(), name="me"),
    path(
        "organizations/<int:organization_id>/api-keys",
        account_apis.OrganizationApiKeyListCreateApi.as_view(),
        name="organization-api-keys",
    ),
    path("changes", changes_apis.ChangesApi.as_view(), name="changes"),
    path("evidence/verify", evidence_apis.EvidenceVerifyApi.as_view(), name="evidence-verify"),
    path("changes/head", changes_apis.ChangesHeadApi.as_view(), name="changes-head"),
    path("api-keys/<str:key_id>/revoke", account_apis.ApiKeyRevokeApi.as_view(), name="api-key-revoke"),
    path("api-keys/<str:key_id>/rate-limit", account_apis.ApiKeyRateApi.as_view(), name="api-key-rate-limit"),
]
