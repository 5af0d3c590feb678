"""Bulk import and export routes; included by apps/listings/urls.py before the ``<int:pk>`` routes."""

from django.urls import URLPattern, path

from apps.listings.bulk_apis import export_view, import_view, template_view
from apps.listings.importing import ACHIEVEMENT_KIND, DEMAND_KIND

urlpatterns: list[URLPattern] = [
    path(f"{kind.plural}/{action}", view(kind).as_view(), name=f"{kind.plural}-{action}")
    for kind in (ACHIEVEMENT_KIND, DEMAND_KIND)
    for action, view in (("import", import_view), ("import/template.xlsx", template_view), ("export", export_view))
]
