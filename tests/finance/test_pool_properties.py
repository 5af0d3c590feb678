"""Through the services and the database: after any sequence of capital, defaults of enrolled loans and
recoveries, the pool's report balances and its cash is capital − compensation + recoveries (hypothesis)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.finance import services
from apps.finance.models import (
    ApplicationStatus,
    EnrolmentStatus,
    FinancialProduct,
    FinancingApplication,
    FinancingRequest,
    PoolEnrolment,
    RiskPool,
)
from apps.finance.selectors import pool_report

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 1)
yuan = st.integers(min_value=1, max_value=5_000_000).map(lambda y: Decimal(y))
steps = st.lists(
    st.one_of(
        st.tuples(st.just("capital"), yuan),
        st.tuples(st.just("default"), st.integers(1, 100), st.booleans()),
        st.tuples(st.just("recover"), st.integers(0, 20), st.integers(1, 100)),
    ),
    min_size=1,
    max_size=12,
)


def _loan(fw, product: FinancialProduct, pool: RiskPool, guarantor: bool) -> FinancingApplication:
    # A disbursed, enrolled loan of ¥1,000,000 (rows written directly: the lifecycle has its own tests).
    request = FinancingRequest.objects.create(
        enterprise=fw.enterprise,
        amount=Decimal(1_000_000),
        term_months=12,
        purpose="p",
        profile_taken_at=timezone.now(),
    )
    application = FinancingApplication.objects.create(
        request=request,
        product=product,
        institution=fw.bank,
        enterprise=fw.enterprise,
        status=ApplicationStatus.DISBURSED,
        approved_amount=Decimal(1_000_000),
        disbursed_amount=Decimal(1_000_000),
        disbursed_on=DAY,
    )
    PoolEnrolment.objects.create(
        pool=pool,
        application=application,
        guarantor=fw.guarantor if guarantor else None,
        covered_amount=Decimal(1_000_000),
        status=EnrolmentStatus.APPROVED,
    )
    return application


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, shares=st.sampled_from([(40, 40, 20), (50, 30, 20), (100, 0, 0), (30, 70, 0)]))
def test_the_pool_ledger_balances_through_the_services(fw, steps, shares):
    with transaction.atomic():
        pool = services.pool_create(
            actor=fw.operator,
            name="池",
            region_code="450200",
            pool_share=Decimal(shares[0]),
            bank_share=Decimal(shares[1]),
            guarantor_share=Decimal(shares[2]),
        )
        product = FinancialProduct.objects.create(
            institution=fw.bank,
            name="贷",
            kind="ip_pledge_loan",
            min_amount=1,
            max_amount=10_000_000,
            min_term_months=1,
            max_term_months=60,
            min_rate=0,
            max_rate=10,
            status="published",
        )
        defaulted: list[PoolEnrolment] = []
        for step in steps:
            if step[0] == "capital":
                services.pool_contribute(actor=fw.operator, pool=pool, amount=step[1], posted_on=DAY)
            elif step[0] == "default":
                application = _loan(fw, product, pool, guarantor=step[2])
                loss = Decimal(10_000 * step[1])
                services.application_default(actor=fw.banker, application=application, closed_on=DAY, loss_amount=loss)
                defaulted.append(application.pool_enrolment)
            elif defaulted:
                enrolment = defaulted[step[1] % len(defaulted)]
                report_loss = enrolment.application.loss_amount
                recovered = sum(p.amount for p in enrolment.postings.filter(kind="recovery"))
                left = report_loss - recovered
                if left > 0:
                    amount = max(Decimal("0.01"), (left * step[2] / 100).quantize(Decimal("0.01")))
                    services.recovery_record(
                        actor=fw.banker, enrolment=enrolment, amount=min(amount, left), posted_on=DAY
                    )
            report = pool_report(pool)
            assert report["balanced"]
            assert report["pool_balance"] == (
                report["capital_paid_in"] - report["compensation_paid"] + report["recoveries_returned"]
            )
            assert report["pool_balance"] >= 0
            assert report["bank_loss"] >= 0 and report["guarantor_loss"] >= 0
        transaction.set_rollback(True)
