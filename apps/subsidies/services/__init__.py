"""Writes of post-subsidies: policies and rounds (the operator's), claims, review and disbursement."""

from apps.subsidies.services.claims import (
    CLAIM_LIFECYCLE,
    claim_decide,
    claim_disburse,
    claim_start_review,
    claim_submit,
    contract_facts,
)
from apps.subsidies.services.policies import policy_activate, policy_create, policy_retire, round_create

__all__ = [
    "CLAIM_LIFECYCLE",
    "claim_decide",
    "claim_disburse",
    "claim_start_review",
    "claim_submit",
    "contract_facts",
    "policy_activate",
    "policy_create",
    "policy_retire",
    "round_create",
]
