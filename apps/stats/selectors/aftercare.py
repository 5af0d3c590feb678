"""After the deal in the statistics: how many contracts stand at each stage (小试, 中试, 产业化) and the
outcomes the buyers reported (revenue, output value, jobs, units), read from :mod:`apps.settlement`.

Counts are of contracts by their current stage (a contract counts once, under the furthest stage it
reached); outcomes are summed by the stage of each report, within the window when one is given (a
report belongs to the year its period ends in). Two aggregate queries. Access as the other reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from apps.organizations.access import Actor
from apps.settlement.models import Implementation, ImplementationReport, ImplementationStage
from apps.stats.selectors.report import check_statistics_access

STAGES = [ImplementationStage.SMALL_TRIAL, ImplementationStage.PILOT, ImplementationStage.INDUSTRIALISATION]
ZERO = Decimal("0.00")


@dataclass
class AftercareRow:
    stage: str
    label: str
    contracts: int = 0
    reports: int = 0
    revenue: Decimal = ZERO
    output_value: Decimal = ZERO
    jobs_created: int = 0
    units_produced: int = 0


@dataclass
class AftercareReport:
    year: int | None
    rows: list[AftercareRow] = field(default_factory=list)
    totals: AftercareRow = field(default_factory=lambda: AftercareRow(stage="total", label=""))


def aftercare_report(*, actor: Actor, year: int | None = None) -> AftercareReport:
    check_statistics_access(actor=actor)
    rows = {s.value: AftercareRow(stage=s.value, label=str(s.label)) for s in STAGES}
    for stage, count in (
        Implementation.objects.filter(stage__in=list(rows)).values_list("stage").annotate(n=Count("pk"))
    ):
        rows[stage].contracts = count
    reports = ImplementationReport.objects.all()
    if year is not None:
        reports = reports.filter(period_end__year=year)
    sums = reports.values("stage").annotate(
        n=Count("pk"),
        revenue=Sum("revenue"),
        output=Sum("output_value"),
        jobs=Sum("jobs_created"),
        units=Sum("units_produced"),
    )
    for item in sums:
        row = rows[item["stage"]]
        row.reports, row.revenue, row.output_value = item["n"], item["revenue"], item["output"]
        row.jobs_created, row.units_produced = item["jobs"], item["units"]
    report = AftercareReport(year=year, rows=list(rows.values()))
    totals = report.totals
    for row in report.rows:
        totals.contracts += row.contracts
        totals.reports += row.reports
        totals.revenue += row.revenue
        totals.output_value += row.output_value
        totals.jobs_created += row.jobs_created
        totals.units_produced += row.units_produced
    return report
