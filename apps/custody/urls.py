from django.urls import URLPattern, URLResolver, path

from apps.custody import apis

urlpatterns: list[URLPattern | URLResolver] = [
    path("custody/agreements", apis.AgreementListCreateApi.as_view(), name="custody-agreements"),
    path("custody/agreements/<int:pk>", apis.AgreementDetailApi.as_view(), name="custody-agreement"),
    path("custody/agreements/<int:pk>/start", apis.AgreementStartApi.as_view(), name="custody-agreement-start"),
    path("custody/agreements/<int:pk>/renew", apis.AgreementRenewApi.as_view(), name="custody-agreement-renew"),
    path("custody/agreements/<int:pk>/end", apis.AgreementEndApi.as_view(), name="custody-agreement-end"),
    path("custody/agreements/<int:pk>/events", apis.AgreementEventListApi.as_view(), name="custody-agreement-events"),
    path("custody/agreements/<int:pk>/assets", apis.AgreementAssetListApi.as_view(), name="custody-agreement-assets"),
    path("custody/assets/<int:pk>", apis.CustodyAssetDetailApi.as_view(), name="custody-asset"),
    path("custody/assets/<int:pk>/payments", apis.PaymentListCreateApi.as_view(), name="custody-asset-payments"),
    path("custody/assets/<int:pk>/reminders", apis.ReminderListApi.as_view(), name="custody-asset-reminders"),
    path("custody/assets/<int:pk>/to-market", apis.ToMarketApi.as_view(), name="custody-asset-to-market"),
    path("custody/portfolio", apis.PortfolioApi.as_view(), name="custody-portfolio"),
    path("custody/portfolio/export", apis.PortfolioExportApi.as_view(), name="custody-portfolio-export"),
    path("custody/calendar-feed", apis.CalendarFeedApi.as_view(), name="custody-calendar-feed"),
    path("custody/calendar/<str:token>.ics", apis.CalendarIcsApi.as_view(), name="custody-calendar-ics"),
    path("custody/pledges", apis.PledgeListCreateApi.as_view(), name="custody-pledges"),
    path("custody/pledges/totals", apis.PledgeTotalsApi.as_view(), name="custody-pledge-totals"),
    path("custody/pledges/<int:pk>", apis.PledgeDetailApi.as_view(), name="custody-pledge"),
    path("custody/pledges/<int:pk>/release", apis.PledgeReleaseApi.as_view(), name="custody-pledge-release"),
]
