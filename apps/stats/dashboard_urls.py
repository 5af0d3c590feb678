"""The operator's statistics dashboard: server-rendered pages outside the API (mounted at /stats/)."""

from django.urls import URLPattern, path

from apps.stats import drilldown_views, views

urlpatterns: list[URLPattern] = [
    path("dashboard/", views.dashboard, name="stats-dashboard"),
    path("dashboard/contracts", drilldown_views.dashboard_contracts, name="stats-dashboard-contracts"),
    path("login/", views.DashboardLoginView.as_view(), name="stats-login"),
    path("logout/", views.DashboardLogoutView.as_view(), name="stats-logout"),
]
