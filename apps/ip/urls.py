from django.urls import path

from apps.ip import apis, bulk_apis, valuation_apis

urlpatterns = [
    path("ip-assets", apis.IPAssetListCreateApi.as_view(), name="ip-assets"),
    path("ip-assets/import", bulk_apis.IPAssetImportApi.as_view(), name="ip-assets-import"),
    path("ip-assets/import/template.xlsx", bulk_apis.IPAssetImportTemplateApi.as_view(), name="ip-assets-template"),
    path("ip-assets/export", bulk_apis.IPAssetExportApi.as_view(), name="ip-assets-export"),
    path("ip-assets/<int:asset_id>", apis.IPAssetDetailApi.as_view(), name="ip-asset-detail"),
    path(
        "ip-assets/by-external-id/<str:external_id>",
        apis.IPAssetByExternalIdApi.as_view(),
        name="ip-asset-by-external-id",
    ),
    path("ip-assets/<int:asset_id>/legal-events", apis.IPLegalEventListApi.as_view(), name="ip-asset-legal-events"),
    path("ip-valuations", valuation_apis.ValuationListCreateApi.as_view(), name="ip-valuations"),
    path("ip-valuations/<int:pk>", valuation_apis.ValuationDetailApi.as_view(), name="ip-valuation"),
]
