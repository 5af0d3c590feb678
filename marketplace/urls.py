from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from apps.core import changelog, health
from apps.core.apis import ApiRootApi
from apps.core.bulk_apis import ImportJobDetailApi
from apps.core.metrics import metrics_view

api_v1: list[URLPattern | URLResolver] = [
    path("", ApiRootApi.as_view(), name="api-root"),
    path("", include("apps.accounts.urls")),
    path("", include("apps.organizations.urls")),
    path("", include("apps.reference.urls")),
    path("", include("apps.notifications.urls")),
    path("", include("apps.markets.urls")),
    path("", include("apps.webhooks.urls")),
    path("", include("apps.ip.urls")),
    path("", include("apps.listings.urls")),
    path("", include("apps.challenges.urls")),
    path("", include("apps.custody.urls")),
    path("", include("apps.matching.urls")),
    path("", include("apps.alerts.urls")),
    path("", include("apps.brokers.urls")),
    path("", include("apps.deals.urls")),
    path("", include("apps.negotiation.urls")),
    path("", include("apps.contracts.urls")),
    path("", include("apps.finance.urls")),
    path("", include("apps.experts.urls")),
    path("", include("apps.events.urls")),
    path("", include("apps.trading.urls")),
    path("", include("apps.settlement.urls")),
    path("", include("apps.subsidies.urls")),
    path("", include("apps.stats.urls")),
    path("import-jobs/<int:job_id>", ImportJobDetailApi.as_view(), name="import-job-detail"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("api/v1/", include(api_v1)),
    path("api/changelog", changelog.api_changelog, name="api-changelog"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("stats/", include("apps.stats.dashboard_urls")),
]

handler400 = "apps.core.errors.bad_request"
handler403 = "apps.core.errors.permission_denied"
handler404 = "apps.core.errors.page_not_found"
handler500 = "apps.core.errors.server_error"

admin.site.site_header = "科技大市场 · 运营管理"
admin.site.site_title = "科技大市场"
admin.site.index_title = "运营管理"
