"""What the demo market must show of the after-deal story (apps/demo/settlement.py): a settled and a
pending milestone, a 中试 report in the statistics, royalty reports with their amounts due, and the
researchers' shares of what was paid. Called by tests/demo/test_demo_market.py on the demo it loads
anyway (loading the demo costs seconds; one load serves both)."""

from __future__ import annotations

from decimal import Decimal

from apps.accounts.models import User
from apps.contracts.models import Contract
from apps.demo.data import DEMO_EMAIL_DOMAIN
from apps.demo.settlement import CONTRACT_NUMBER
from apps.settlement.models import EscrowMilestone, IncomeAllocation, RoyaltyReport
from apps.settlement.selectors import contract_reconciliation
from apps.stats.selectors.aftercare import aftercare_report


def check_after_deal_story() -> None:
    contract = Contract.objects.get(contract_number=CONTRACT_NUMBER)
    statuses = list(EscrowMilestone.objects.filter(contract=contract).values_list("status", flat=True))
    assert statuses == ["released", "funded", "awaiting_funds"]
    recon = contract_reconciliation(contract=contract)
    assert recon.released == Decimal("300000.00") and recon.held == Decimal("500000.00") and recon.differences == []

    pilot = next(
        row
        for row in aftercare_report(actor=User.objects.get(email=f"wei.lihua@{DEMO_EMAIL_DOMAIN}")).rows
        if row.stage == "pilot"
    )
    assert pilot.contracts >= 1 and pilot.revenue >= Decimal("1200000.00")

    reports = list(RoyaltyReport.objects.filter(contract=contract).order_by("period_index"))
    assert len(reports) == 4 and all(r.amount_due > 0 for r in reports)
    # Q1: 380,000 × 4% + 2,000 × 1.50 = 18,200 running.
    assert reports[0].running_amount == Decimal("18200.00")
    # Q4 lifts the year to the ¥120,000 minimum.
    assert sum(r.amount_due for r in reports) == Decimal("120000.00")
    allocations = IncomeAllocation.objects.filter(payment__contract=contract)
    assert {a.source for a in allocations} == {"royalty", "transfer_price"}
    lead = allocations.filter(name__startswith="陈雨晴")
    assert lead.exists() and all(a.percent == Decimal("50.00") for a in lead)
