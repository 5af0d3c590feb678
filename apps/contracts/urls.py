"""Technology contracts, their money and their registration (认定登记)."""

from django.urls import URLPattern, path

from apps.contracts.apis import brokers, bulk, contracts, documents, network_export, payments, registration

urlpatterns: list[URLPattern] = [
    path("contracts", contracts.ContractListCreateApi.as_view(), name="contracts"),
    path("contracts/import", bulk.ContractImportApi.as_view(), name="contracts-import"),
    path("contracts/import/template.xlsx", bulk.ContractImportTemplateApi.as_view(), name="contracts-template"),
    path("contracts/export", bulk.ContractExportApi.as_view(), name="contracts-export"),
    path(
        "contracts/network-export",
        network_export.ContractNetworkExportApi.as_view(),
        name="contracts-network-export",
    ),
    path("contracts/<int:contract_id>", contracts.ContractDetailApi.as_view(), name="contract-detail"),
    path(
        "contracts/by-external-id/<str:external_id>",
        contracts.ContractByExternalIdApi.as_view(),
        name="contract-by-external-id",
    ),
    path(
        "contracts/<int:contract_id>/deductions",
        contracts.ContractDeductionListCreateApi.as_view(),
        name="contract-deductions",
    ),
    path(
        "contracts/<int:contract_id>/milestones",
        payments.ContractMilestoneListCreateApi.as_view(),
        name="contract-milestones",
    ),
    path(
        "contracts/<int:contract_id>/payments",
        payments.ContractPaymentListCreateApi.as_view(),
        name="contract-payments",
    ),
    path("contracts/<int:contract_id>/document", contracts.ContractDocumentApi.as_view(), name="contract-document"),
    path(
        "contracts/<int:contract_id>/documents",
        documents.ContractDocumentListCreateApi.as_view(),
        name="contract-documents",
    ),
    path(
        "contracts/<int:contract_id>/documents/<int:number>",
        documents.ContractDocumentDetailApi.as_view(),
        name="contract-document-version",
    ),
    path(
        "contracts/<int:contract_id>/documents/<int:number>/pdf",
        documents.ContractDocumentPdfApi.as_view(),
        name="contract-document-pdf",
    ),
    path(
        "contracts/<int:contract_id>/documents/<int:number>/sign",
        documents.ContractDocumentSignApi.as_view(),
        name="contract-document-sign",
    ),
    path("contracts/<int:contract_id>/evidence", documents.ContractEvidenceApi.as_view(), name="contract-evidence"),
    path("contracts/<int:contract_id>/history", contracts.ContractHistoryApi.as_view(), name="contract-history"),
    path(
        "contracts/<int:contract_id>/registration",
        registration.ContractRegistrationApi.as_view(),
        name="contract-registration",
    ),
    path("registrations", registration.RegistrationListApi.as_view(), name="registrations"),
    path(
        "registrations/<int:registration_id>", registration.RegistrationDetailApi.as_view(), name="registration-detail"
    ),
    path(
        "registrations/<int:registration_id>/decide",
        registration.RegistrationDecideApi.as_view(),
        name="registration-decide",
    ),
    path(
        "registrations/<int:registration_id>/resubmit",
        registration.RegistrationResubmitApi.as_view(),
        name="registration-resubmit",
    ),
    path(
        "registrations/<int:registration_id>/events",
        registration.RegistrationEventListCreateApi.as_view(),
        name="registration-events",
    ),
    # The brokers' records that read deals and contracts (the brokers app may not).
    path("brokers/<int:broker_id>/scorecard", brokers.BrokerScorecardApi.as_view(), name="broker-scorecard"),
    path("brokers/me/commissions", brokers.BrokerCommissionListApi.as_view(), name="broker-me-commissions"),
]
