"""Request and response examples for the schema, in Chinese, recorded from the business path."""

from __future__ import annotations

from typing import Any

FINANCE_PRODUCTS_CREATE: list[Any] = []
FINANCE_PRODUCTS_UPDATE: list[Any] = []
FINANCE_PRODUCTS_PUBLISH: list[Any] = []
FINANCE_PRODUCTS_WITHDRAW: list[Any] = []
FINANCE_REQUESTS_CREATE: list[Any] = []
FINANCE_REQUESTS_REFRESH: list[Any] = []
FINANCE_REQUESTS_DOCUMENTS_CREATE: list[Any] = []
FINANCE_APPLICATIONS_CREATE: list[Any] = []
FINANCE_APPLICATIONS_REVIEW: list[Any] = []
FINANCE_APPLICATIONS_APPROVE: list[Any] = []
FINANCE_APPLICATIONS_DECLINE: list[Any] = []
FINANCE_APPLICATIONS_WITHDRAW: list[Any] = []
FINANCE_APPLICATIONS_DISBURSE: list[Any] = []
FINANCE_APPLICATIONS_REPAY: list[Any] = []
FINANCE_APPLICATIONS_DEFAULT: list[Any] = []
FINANCE_POOLS_CREATE: list[Any] = []
FINANCE_POOLS_CAPITAL: list[Any] = []
FINANCE_POOLS_ENROLMENTS_CREATE: list[Any] = []
FINANCE_ENROLMENTS_DECIDE: list[Any] = []
FINANCE_ENROLMENTS_RECOVERIES: list[Any] = []
