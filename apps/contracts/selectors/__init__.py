"""Reads of contracts, by sub-domain, always scoped to the acting user: contracts and their money
(:mod:`.contracts`), registration (:mod:`.registration`), brokers' commissions (:mod:`.commissions`)
and brokers' scorecards (:mod:`.scorecard`)."""

from __future__ import annotations

from apps.contracts.selectors.commissions import CommissionLine, broker_commission_contracts, broker_commission_lines
from apps.contracts.selectors.contracts import (
    SHANGHAI,
    ZONES,
    access_contract,
    bypass_window_start,
    contract_history,
    contract_list,
    contract_visible_qs,
    deduction_list,
    is_contract_broker,
    is_contract_party,
    market_today,
    milestone_list,
    paid_subquery,
    paid_total,
    payment_list,
    start_of_day,
)
from apps.contracts.selectors.documents import access_document, contract_evidence, document_list
from apps.contracts.selectors.registration import (
    access_registration,
    access_registration_for_operator,
    calendar_exceptions,
    calendar_years,
    registration_event_list,
    registration_list,
    registration_visible_qs,
    rule_set_in_force,
)
from apps.contracts.selectors.scorecard import broker_scorecard, registered_technology_amount

__all__ = [
    "SHANGHAI",
    "ZONES",
    "CommissionLine",
    "access_contract",
    "access_document",
    "access_registration",
    "access_registration_for_operator",
    "broker_commission_contracts",
    "broker_commission_lines",
    "broker_scorecard",
    "bypass_window_start",
    "calendar_exceptions",
    "calendar_years",
    "contract_evidence",
    "contract_history",
    "contract_list",
    "contract_visible_qs",
    "deduction_list",
    "document_list",
    "is_contract_broker",
    "is_contract_party",
    "market_today",
    "milestone_list",
    "paid_subquery",
    "paid_total",
    "payment_list",
    "registered_technology_amount",
    "registration_event_list",
    "registration_list",
    "registration_visible_qs",
    "rule_set_in_force",
    "start_of_day",
]
