"""Reads of technology finance; every name is re-exported here."""

from apps.finance.selectors.finance import (
    access_application,
    access_enrolment,
    access_pool,
    access_product,
    access_request,
    access_request_for_documents,
    application_list,
    application_visible_qs,
    document_list,
    enrolment_visible_qs,
    pool_list,
    product_list,
    product_visible_qs,
    request_visible_qs,
)
from apps.finance.selectors.matching import match_product, match_request
from apps.finance.selectors.profile import build_profile
from apps.finance.selectors.reports import VOLUME_DIMS, VolumeReport, financing_volume, pool_report

__all__ = [
    "VOLUME_DIMS",
    "VolumeReport",
    "access_application",
    "access_enrolment",
    "access_pool",
    "access_product",
    "access_request",
    "access_request_for_documents",
    "application_list",
    "application_visible_qs",
    "build_profile",
    "document_list",
    "enrolment_visible_qs",
    "financing_volume",
    "match_product",
    "match_request",
    "pool_list",
    "pool_report",
    "product_list",
    "product_visible_qs",
    "request_visible_qs",
]
