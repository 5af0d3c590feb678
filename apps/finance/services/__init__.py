"""Writes of technology finance; every name is re-exported here."""

from apps.finance.services.applications import (
    APPLICATION_LIFECYCLE,
    application_approve,
    application_decline,
    application_default,
    application_disburse,
    application_repay,
    application_review,
    application_submit,
    application_withdraw,
)
from apps.finance.services.errors import FinanceError
from apps.finance.services.pool import (
    enrolment_decide,
    enrolment_request,
    pool_cash,
    pool_contribute,
    pool_create,
    recovery_record,
)
from apps.finance.services.products import (
    PRODUCT_LIFECYCLE,
    product_create,
    product_publish,
    product_update,
    product_withdraw,
)
from apps.finance.services.requests import (
    document_access_record,
    document_add,
    request_close,
    request_create,
    request_refresh,
)

__all__ = [
    "APPLICATION_LIFECYCLE",
    "PRODUCT_LIFECYCLE",
    "FinanceError",
    "application_approve",
    "application_decline",
    "application_default",
    "application_disburse",
    "application_repay",
    "application_review",
    "application_submit",
    "application_withdraw",
    "document_access_record",
    "document_add",
    "enrolment_decide",
    "enrolment_request",
    "pool_cash",
    "pool_contribute",
    "pool_create",
    "product_create",
    "product_publish",
    "product_update",
    "product_withdraw",
    "recovery_record",
    "request_close",
    "request_create",
    "request_refresh",
]
