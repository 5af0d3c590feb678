from django.urls import URLPattern, URLResolver, path

from apps.finance.apis import applications, pools, products, requests

A = applications
urlpatterns: list[URLPattern | URLResolver] = [
    path("finance/products", products.ProductListCreateApi.as_view(), name="finance-products"),
    path("finance/products/<int:pk>", products.ProductDetailApi.as_view(), name="finance-product"),
    path("finance/products/<int:pk>/publish", products.ProductPublishApi.as_view(), name="finance-product-publish"),
    path("finance/products/<int:pk>/withdraw", products.ProductWithdrawApi.as_view(), name="finance-product-withdraw"),
    path("finance/requests", requests.RequestListCreateApi.as_view(), name="finance-requests"),
    path("finance/requests/<int:pk>", requests.RequestDetailApi.as_view(), name="finance-request"),
    path("finance/requests/<int:pk>/refresh", requests.RequestRefreshApi.as_view(), name="finance-request-refresh"),
    path("finance/requests/<int:pk>/close", requests.RequestCloseApi.as_view(), name="finance-request-close"),
    path("finance/requests/<int:pk>/matches", requests.RequestMatchesApi.as_view(), name="finance-request-matches"),
    path(
        "finance/requests/<int:pk>/documents",
        requests.RequestDocumentListCreateApi.as_view(),
        name="finance-request-documents",
    ),
    path(
        "finance/requests/<int:pk>/documents/<int:document_id>",
        requests.RequestDocumentDownloadApi.as_view(),
        name="finance-request-document",
    ),
    path("finance/applications", A.ApplicationListCreateApi.as_view(), name="finance-applications"),
    path("finance/applications/<int:pk>", A.ApplicationDetailApi.as_view(), name="finance-application"),
    path("finance/applications/<int:pk>/review", A.ApplicationReviewApi.as_view(), name="finance-application-review"),
    path(
        "finance/applications/<int:pk>/approve", A.ApplicationApproveApi.as_view(), name="finance-application-approve"
    ),
    path(
        "finance/applications/<int:pk>/decline", A.ApplicationDeclineApi.as_view(), name="finance-application-decline"
    ),
    path(
        "finance/applications/<int:pk>/withdraw",
        A.ApplicationWithdrawApi.as_view(),
        name="finance-application-withdraw",
    ),
    path(
        "finance/applications/<int:pk>/disburse",
        A.ApplicationDisburseApi.as_view(),
        name="finance-application-disburse",
    ),
    path("finance/applications/<int:pk>/repay", A.ApplicationRepayApi.as_view(), name="finance-application-repay"),
    path(
        "finance/applications/<int:pk>/default", A.ApplicationDefaultApi.as_view(), name="finance-application-default"
    ),
    path("finance/pools", pools.PoolListCreateApi.as_view(), name="finance-pools"),
    path("finance/pools/<int:pk>", pools.PoolDetailApi.as_view(), name="finance-pool"),
    path("finance/pools/<int:pk>/capital", pools.PoolCapitalApi.as_view(), name="finance-pool-capital"),
    path("finance/pools/<int:pk>/report", pools.PoolReportApi.as_view(), name="finance-pool-report"),
    path(
        "finance/pools/<int:pk>/enrolments",
        pools.PoolEnrolmentCreateApi.as_view(),
        name="finance-pool-enrolments",
    ),
    path("finance/enrolments/<int:pk>/decide", pools.EnrolmentDecideApi.as_view(), name="finance-enrolment-decide"),
    path(
        "finance/enrolments/<int:pk>/recoveries",
        pools.EnrolmentRecoveryApi.as_view(),
        name="finance-enrolment-recoveries",
    ),
]
