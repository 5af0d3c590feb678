"""Settlement (escrow), after the deal, royalties and revenue sharing."""

from django.urls import URLPattern, path

from apps.settlement.apis import aftercare, escrow, revenue, royalties

urlpatterns: list[URLPattern] = [
    path(
        "contracts/<int:contract_id>/settlement/milestones",
        escrow.EscrowMilestoneListCreateApi.as_view(),
        name="settlement-milestones",
    ),
    path("contracts/<int:contract_id>/settlement/ledger", escrow.ContractLedgerApi.as_view(), name="settlement-ledger"),
    path(
        "contracts/<int:contract_id>/settlement/reconciliation",
        escrow.ContractReconciliationApi.as_view(),
        name="settlement-contract-reconciliation",
    ),
    path(
        "settlement/milestones/<int:milestone_id>/deposits",
        escrow.EscrowDepositApi.as_view(),
        name="settlement-deposits",
    ),
    path("settlement/milestones/<int:milestone_id>/accept", escrow.EscrowAcceptApi.as_view(), name="settlement-accept"),
    path(
        "settlement/milestones/<int:milestone_id>/dispute", escrow.EscrowDisputeApi.as_view(), name="settlement-dispute"
    ),
    path("settlement/milestones/<int:milestone_id>/refund", escrow.EscrowRefundApi.as_view(), name="settlement-refund"),
    path(
        "settlement/milestones/<int:milestone_id>/resolve", escrow.EscrowResolveApi.as_view(), name="settlement-resolve"
    ),
    path("settlement/reconciliation", escrow.MarketReconciliationApi.as_view(), name="settlement-reconciliation"),
    path(
        "contracts/<int:contract_id>/implementation",
        aftercare.ImplementationApi.as_view(),
        name="implementation",
    ),
    path(
        "contracts/<int:contract_id>/implementation/reports",
        aftercare.ImplementationReportCreateApi.as_view(),
        name="implementation-reports",
    ),
    path("contracts/<int:contract_id>/royalty-term", royalties.RoyaltyTermApi.as_view(), name="royalty-term"),
    path(
        "contracts/<int:contract_id>/royalty-reports",
        royalties.RoyaltyReportListCreateApi.as_view(),
        name="royalty-reports",
    ),
    path(
        "royalty-reports/<int:report_id>/acknowledge",
        royalties.RoyaltyReportAcknowledgeApi.as_view(),
        name="royalty-report-acknowledge",
    ),
    path(
        "royalty-reports/<int:report_id>/dispute",
        royalties.RoyaltyReportDisputeApi.as_view(),
        name="royalty-report-dispute",
    ),
    path(
        "royalty-reports/<int:report_id>/correct",
        royalties.RoyaltyReportCorrectApi.as_view(),
        name="royalty-report-correct",
    ),
    path(
        "royalty-reports/<int:report_id>/payments",
        royalties.RoyaltyPaymentCreateApi.as_view(),
        name="royalty-report-payments",
    ),
    path(
        "organizations/<int:organization_id>/distribution-schemes",
        revenue.DistributionSchemeListCreateApi.as_view(),
        name="distribution-schemes",
    ),
    path(
        "organizations/<int:organization_id>/income-allocations",
        revenue.AllocationListApi.as_view(),
        name="income-allocations",
    ),
    path(
        "organizations/<int:organization_id>/income-allocations/report",
        revenue.AllocationReportApi.as_view(),
        name="income-allocations-report",
    ),
    path("income-allocations", revenue.IncomeSplitApi.as_view(), name="income-split"),
    path("me/income-allocations", revenue.MyAllocationListApi.as_view(), name="my-income-allocations"),
]
