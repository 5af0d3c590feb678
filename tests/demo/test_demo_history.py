"""The demo's three years of registered contracts: dated as they happened, varied, folded into the statistics.

One load of the whole history (a hundred contracts through the services), read from every side.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from pytest_django.fixtures import Settings

from apps.accounts.models import User
from apps.contracts.catalogue import SUBTYPES_BY_TYPE
from apps.contracts.models import (
    BypassAlert,
    Contract,
    Registration,
    RegistrationEvent,
    RegistrationEventKind,
    RegistrationStatus,
)
from apps.contracts.selectors import SHANGHAI, market_today
from apps.contracts.services.bypass import contract_check_bypass
from apps.demo.data import DEMO_EMAIL_DOMAIN
from apps.demo.history import HISTORY_MONTHS
from apps.notifications.models import Notification
from apps.reference.models import Country
from apps.stats.services import stats_recompute

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def full_history(settings: Settings) -> None:
    settings.DEBUG = True
    settings.DEMO_HISTORY_MONTHS = HISTORY_MONTHS


def _year_rows(client, *, year: int) -> dict[str, dict]:
    response = client.get(
        "/api/v1/stats/report",
        {"group_by": "period", "period": "year", "date_from": f"{year - 2}-01", "date_to": f"{year}-12"},
    )
    assert response.status_code == 200, response.json()
    return {row["key"]["period"]: row for row in response.json()["rows"]}


def test_three_years_of_registrations_dated_varied_and_counted(client_for) -> None:
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    today = market_today()
    registered = Registration.objects.filter(
        status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.TERMINATED]
    ).select_related("contract")
    assert registered.count() >= 80
    assert "statistics fold(s)" in out.getvalue()

    # Dated as they happened: registered in most of the last 36 months, in the year of their number.
    months = set()
    for registration in registered:
        decided_on = registration.decided_at.astimezone(SHANGHAI).date()
        assert registration.contract.signed_on <= decided_on <= today
        assert registration.registration_number[6:10] == str(decided_on.year)
        months.add((decided_on.year, decided_on.month))
    assert len(months) >= 30
    first_year, first_month = min(months)
    assert (today.year * 12 + today.month) - (first_year * 12 + first_month) >= 34
    # The statistics count each in the year of its registered event: more every year.
    per_year = Counter(
        RegistrationEvent.objects.filter(kind=RegistrationEventKind.REGISTERED).values_list(
            "effective_on__year", flat=True
        )
    )
    assert 0 < per_year[today.year - 2] < per_year[today.year - 1]

    # Varied: every type and subtype, the eleven fields, buyers near and far, ASEAN and beyond, imports.
    contracts = Contract.objects.filter(registrations__in=registered)
    assert set(contracts.values_list("subtype", flat=True)) == {s for ss in SUBTYPES_BY_TYPE.values() for s in ss}
    assert len(set(contracts.values_list("technology_field_id", flat=True))) == 11
    buyer_regions = set(contracts.exclude(buyer_region=None).values_list("buyer_region_id", flat=True))
    assert any(code.startswith("4502") for code in buyer_regions)  # Liuzhou
    assert any(code.startswith("45") and not code.startswith("4502") for code in buyer_regions)  # Guangxi
    assert any(not code.startswith("45") for code in buyer_regions)  # other provinces
    assert "810000" in buyer_regions  # Hong Kong
    countries = set(contracts.exclude(buyer_country="156").values_list("buyer_country_id", flat=True))
    asean = set(Country.objects.filter(is_asean=True).values_list("code", flat=True))
    assert len(countries & asean) >= 4 and countries - asean
    assert contracts.filter(is_import=True).count() >= 2
    amounts = sorted(contracts.values_list("contract_amount", flat=True))
    assert amounts[0] < 100_000 and amounts[-1] > 2_000_000
    assert contracts.filter(payments__isnull=False).distinct().count() >= 70

    # Folded at load, before any worker ran: the incremental cells agree with a full recompute.
    run = stats_recompute(repair=False)
    assert run.differences == 0 and run.contracts == registered.count()

    # The trend and year-on-year comparison an operator reads over the API have real shapes.
    operator = User.objects.get(email=f"wei.lihua@{DEMO_EMAIL_DOMAIN}")
    rows = _year_rows(client_for(operator), year=today.year)
    this_year, last_year = rows[str(today.year)], rows[str(today.year - 1)]
    for row in (this_year, last_year):
        assert row["values"]["contract_count"] > 0
        assert row["previous"]["contract_count"] > 0
        assert row["growth"]["contract_amount"] is not None
    monthly = client_for(operator).get(
        "/api/v1/stats/report",
        {"group_by": "period", "period": "month", "date_from": f"{today.year - 1}-01", "date_to": f"{today.year}-12"},
    )
    counts = [row["values"]["contract_count"] for row in monthly.json()["rows"]]
    assert len(counts) >= 18 and len(set(counts)) > 2

    # History is history: no applicant was told of decisions made years ago, and no introduced pair of
    # the demo signed without its broker.
    applicants = Notification.objects.filter(kind="contracts.registration_decided")
    assert applicants.count() <= 16
    for contract_id in contracts.values_list("pk", flat=True):
        contract_check_bypass(contract_id=contract_id)
    assert not BypassAlert.objects.exists()
    assert date(today.year - 3, 12, 1) <= min(contracts.values_list("signed_on", flat=True))
