"""Technology contracts, their money and their registration (认定登记)."""

from django.urls import URLPattern, path

from apps.contracts import apis

urlpatterns: list[URLPattern] = [
    path("contracts", apis.ContractListCreateApi.as_view(), name="contracts"),
    path("contracts/<int:contract_id>", apis.ContractDetailApi.as_view(), name="contract-detail"),
    path(
        "contracts/<int:contract_id>/deductions",
        apis.ContractDeductionListCreateApi.as_view(),
        name="contract-deductions",
    ),
    path(
        "contracts/<int:contract_id>/milestones",
        apis.ContractMilestoneListCreateApi.as_view(),
        name="contract-milestones",
    ),
    path("contracts/<int:contract_id>/payments", apis.ContractPaymentListCreateApi.as_view(), name="contract-payments"),
    path("contracts/<int:contract_id>/document", apis.ContractDocumentApi.as_view(), name="contract-document"),
    path("contracts/<int:contract_id>/history", apis.ContractHistoryApi.as_view(), name="contract-history"),
    path(
        "contracts/<int:contract_id>/registration",
        apis.ContractRegistrationApi.as_view(),
        name="contract-registration",
    ),
    path("registrations", apis.RegistrationListApi.as_view(), name="registrations"),
    path("registrations/<int:registration_id>", apis.RegistrationDetailApi.as_view(), name="registration-detail"),
    path(
        "registrations/<int:registration_id>/decide",
        apis.RegistrationDecideApi.as_view(),
        name="registration-decide",
    ),
    path(
        "registrations/<int:registration_id>/resubmit",
        apis.RegistrationResubmitApi.as_view(),
        name="registration-resubmit",
    ),
    path(
        "registrations/<int:registration_id>/events",
        apis.RegistrationEventListCreateApi.as_view(),
        name="registration-events",
    ),
    path("brokers/me/commissions", apis.BrokerCommissionListApi.as_view(), name="broker-me-commissions"),
]
