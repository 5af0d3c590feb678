from django.urls import URLPattern, URLResolver, path

from apps.custody.apis import agreements, assets, pledges, portfolio

urlpatterns: list[URLPattern | URLResolver] = [
    path("custody/agreements", agreements.AgreementListCreateApi.as_view(), name="custody-agreements"),
    path("custody/agreements/<int:pk>", agreements.AgreementDetailApi.as_view(), name="custody-agreement"),
    path("custody/agreements/<int:pk>/start", agreements.AgreementStartApi.as_view(), name="custody-agreement-start"),
    path("custody/agreements/<int:pk>/renew", agreements.AgreementRenewApi.as_view(), name="custody-agreement-renew"),
    path("custody/agreements/<int:pk>/end", agreements.AgreementEndApi.as_view(), name="custody-agreement-end"),
    path(
        "custody/agreements/<int:pk>/events",
        agreements.AgreementEventListApi.as_view(),
        name="custody-agreement-events",
    ),
    path(
        "custody/agreements/<int:pk>/assets",
        agreements.AgreementAssetListApi.as_view(),
        name="custody-agreement-assets",
    ),
    path("custody/assets/<int:pk>", assets.CustodyAssetDetailApi.as_view(), name="custody-asset"),
    path("custody/assets/<int:pk>/payments", assets.PaymentListCreateApi.as_view(), name="custody-asset-payments"),
    path("custody/assets/<int:pk>/reminders", assets.ReminderListApi.as_view(), name="custody-asset-reminders"),
    # custody/assets/<pk>/to-market, which makes a draft achievement, is routed by apps.listings.
    path("custody/portfolio", portfolio.PortfolioApi.as_view(), name="custody-portfolio"),
    path("custody/portfolio/export", portfolio.PortfolioExportApi.as_view(), name="custody-portfolio-export"),
    path("custody/calendar-feed", portfolio.CalendarFeedApi.as_view(), name="custody-calendar-feed"),
    path("custody/calendar/<str:token>.ics", portfolio.CalendarIcsApi.as_view(), name="custody-calendar-ics"),
    path("custody/pledges", pledges.PledgeListCreateApi.as_view(), name="custody-pledges"),
    path("custody/pledges/totals", pledges.PledgeTotalsApi.as_view(), name="custody-pledge-totals"),
    path("custody/pledges/<int:pk>", pledges.PledgeDetailApi.as_view(), name="custody-pledge"),
    path("custody/pledges/<int:pk>/release", pledges.PledgeReleaseApi.as_view(), name="custody-pledge-release"),
    path(
        "custody/pledges/<int:pk>/consents",
        pledges.PledgeConsentListCreateApi.as_view(),
        name="custody-pledge-consents",
    ),
    path("custody/pledges/<int:pk>/warnings", pledges.PledgeWarningListApi.as_view(), name="custody-pledge-warnings"),
]
