"""ip → custody: a change to an asset's schedule fields records custody.refresh_asset; running it recomputes the
custody asset's next annuity (real database, the handler as the worker runs it)."""

from __future__ import annotations

from datetime import date

import pytest

from apps.core.effects import run_pending_effects
from apps.core.models import Effect, EffectStatus
from apps.custody.effects import refresh_asset
from apps.ip.services import ip_asset_update, ip_legal_event_record
from tests.custody.factories import custody_row, make_agreement, make_patent
from tests.ip.factories import IPAssetFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("custody_today")]

REFRESH = "custody.refresh_asset"


@pytest.fixture
def pending(world):
    asset = IPAssetFactory(owner=world.owner, filing_date=date(2020, 3, 2))
    make_agreement(world, [asset])
    assert custody_row(asset).next_year is None
    return asset


def test_a_grant_records_the_effect_and_running_it_refreshes_the_next_annuity(world, pending):
    ip_asset_update(
        actor=world.owner_member, asset=pending, data={"legal_status": "granted", "grant_date": date(2022, 6, 7)}
    )
    (recorded,) = Effect.objects.filter(name=REFRESH)
    assert (recorded.kwargs, recorded.status) == ({"asset_id": pending.pk}, EffectStatus.PENDING)
    assert custody_row(pending).next_year is None  # not yet: custody follows when the effect runs

    assert run_pending_effects(names=[REFRESH]) == 1
    recorded.refresh_from_db()
    assert recorded.status == EffectStatus.DONE
    row = custody_row(pending)
    # Granted in year 3; the years due before today are taken as paid, as when an asset is entrusted.
    assert (row.paid_through_year, row.next_year, row.next_due_date) == (7, 8, date(2027, 3, 2))
    assert row.next_fee is not None and row.next_reminder_on is not None


def test_running_it_again_changes_nothing(world, pending):
    ip_legal_event_record(actor=world.owner_member, asset=pending, occurred_on=date(2022, 6, 7), kind="granted")
    run_pending_effects(names=[REFRESH])
    before = custody_row(pending)
    refresh_asset(asset_id=pending.pk)  # a second delivery after a crash
    after = custody_row(pending)
    fields = ("paid_through_year", "next_year", "next_due_date", "grace_deadline", "next_fee", "next_reminder_on")
    assert [getattr(after, f) for f in fields] == [getattr(before, f) for f in fields]


def test_an_invalidation_stops_the_annuities(world):
    patent = make_patent(world.owner)
    make_agreement(world, [patent])
    assert custody_row(patent).next_year == 8
    ip_legal_event_record(actor=world.owner_member, asset=patent, occurred_on=date(2026, 11, 20), kind="invalidated")
    run_pending_effects(names=[REFRESH])
    assert custody_row(patent).next_year is None


def test_a_change_outside_the_schedule_records_nothing(world, pending):
    ip_asset_update(actor=world.owner_member, asset=pending, data={"title": "一种螺蛳粉汤料的制备方法（改）"})
    assert not Effect.objects.filter(name=REFRESH).exists()


def test_an_asset_deleted_before_the_effect_runs_is_nothing_to_do(world):
    lone = IPAssetFactory(owner=world.owner, filing_date=date(2020, 3, 2))
    ip_asset_update(
        actor=world.owner_member, asset=lone, data={"legal_status": "granted", "grant_date": date(2022, 6, 7)}
    )
    lone.delete()
    assert run_pending_effects(names=[REFRESH]) == 1
    assert Effect.objects.get(name=REFRESH).status == EffectStatus.DONE
