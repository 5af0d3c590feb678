"""Custody for tests: an owner, an IP agency, granted patents with known schedules, agreements through the service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from apps.accounts.models import User
from apps.custody.models import CustodyAgreement, CustodyAsset
from apps.custody.services import agreement_create, agreement_start
from apps.ip.models import IPAsset
from apps.organizations.models import Organization, OrganizationType
from tests.factories import OrganizationFactory, member_of
from tests.ip.factories import IPAssetFactory

# "Today" in these tests (Asia/Shanghai). The standard patent below was filed 2020-03-02 and granted
# 2022-06-07: year 7 (¥2000) fell due 2026-03-02, year 8 (¥2000) falls due 2027-03-02.
TODAY = date(2026, 12, 1)
NOW = "2026-12-01T10:00:00+08:00"


@dataclass
class World:
    owner: Organization
    owner_member: User
    agency: Organization
    agency_member: User
    stranger: User


def make_world() -> World:
    owner = OrganizationFactory(name="柳州五菱汽车工业有限公司")
    agency = OrganizationFactory(name="柳州市知识产权服务中心", type=OrganizationType.IP_AGENCY)
    return World(
        owner=owner,
        owner_member=member_of(owner),
        agency=agency,
        agency_member=member_of(agency),
        stranger=member_of(OrganizationFactory()),
    )


def make_patent(owner: Organization, **overrides: Any) -> IPAsset:
    values: dict[str, Any] = {"owner": owner, "granted": True, "filing_date": date(2020, 3, 2)}
    values.update(overrides)
    asset: IPAsset = IPAssetFactory(**values)
    return asset


def make_agreement(
    world: World,
    assets: list[IPAsset],
    *,
    start: bool = True,
    start_date: date = date(2026, 11, 1),
    end_date: date = date(2029, 10, 31),
    entries: list[dict[str, Any]] | None = None,
) -> CustodyAgreement:
    agreement = agreement_create(
        actor=world.owner_member,
        owner_id=world.owner.pk,
        custodian_id=world.agency.pk,
        start_date=start_date,
        end_date=end_date,
        service_level="pay_annuities",
        fee=Decimal("3000.00"),
        assets=entries or [{"asset_id": a.pk} for a in assets],
    )
    if start:
        agreement = agreement_start(actor=world.agency_member, agreement=agreement)
    return agreement


def custody_row(asset: IPAsset) -> CustodyAsset:
    return CustodyAsset.objects.get(asset=asset, active=True)
