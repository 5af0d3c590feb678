"""Writes of settlement, after-deal tracking, royalties and revenue sharing, by sub-domain.

- :mod:`.escrow`: the settlement plan's milestones, deposits, acceptance, disputes and refunds;
- :mod:`.aftercare`: the buyer's stage reports (小试 → 中试 → 产业化);
- :mod:`.royalties`: running-royalty terms, sales reports, answers and payments;
- :mod:`.revenue`: the university's distribution schemes and the split of each income.
"""

from __future__ import annotations

from apps.settlement.services.aftercare import IMPLEMENTATION_LIFECYCLE, implementation_report_create
from apps.settlement.services.errors import SettlementError
from apps.settlement.services.escrow import (
    ESCROW_LIFECYCLE,
    escrow_accept,
    escrow_deposit,
    escrow_dispute,
    escrow_milestone_create,
    escrow_refund,
    escrow_resolve,
    milestone_held,
)
from apps.settlement.services.revenue import income_allocate, income_allocate_payment, scheme_create
from apps.settlement.services.royalties import (
    ROYALTY_REPORT_LIFECYCLE,
    report_paid,
    royalty_payment_record,
    royalty_report_answer,
    royalty_report_correct,
    royalty_report_submit,
    royalty_term_create,
)

__all__ = [
    "ESCROW_LIFECYCLE",
    "IMPLEMENTATION_LIFECYCLE",
    "ROYALTY_REPORT_LIFECYCLE",
    "SettlementError",
    "escrow_accept",
    "escrow_deposit",
    "escrow_dispute",
    "escrow_milestone_create",
    "escrow_refund",
    "escrow_resolve",
    "implementation_report_create",
    "income_allocate",
    "income_allocate_payment",
    "milestone_held",
    "report_paid",
    "royalty_payment_record",
    "royalty_report_answer",
    "royalty_report_correct",
    "royalty_report_submit",
    "royalty_term_create",
    "scheme_create",
]
