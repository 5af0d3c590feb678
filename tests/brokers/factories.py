"""Brokers and introductions for tests."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from apps.accounts.models import User
from apps.brokers.models import Broker, BrokerLevel, BrokerStatus, Introduction
from apps.organizations.models import Organization, OrganizationType
from tests.factories import OrganizationFactory, member_of

_certificates = itertools.count(1)


def make_broker(
    *,
    status: str = BrokerStatus.VERIFIED,
    level: str = BrokerLevel.INTERMEDIATE,
    agency: Organization | None = None,
    fields: list[str] | None = None,
    industries: list[str] | None = None,
    regions: list[str] | None = None,
    **user_kwargs: Any,
) -> Broker:
    """A broker person (a member of a broker agency) with a profile in ``status``."""
    agency = agency or OrganizationFactory(type=OrganizationType.BROKER_AGENCY, entity_type_id="150")
    user = member_of(agency, **user_kwargs)
    broker = Broker.objects.create(
        user=user,
        organization=agency,
        level=level,
        certificate_number=f"GXJS-2026-{next(_certificates):05d}",
        status=status,
    )
    broker.fields.set(fields or [])
    broker.industries.set(industries or [])
    broker.regions.set(regions or [])
    return broker


def make_introduction(
    broker: Broker, party_a: Organization, party_b: Organization, *, created_by: User | None = None, **kwargs: Any
) -> Introduction:
    values: dict[str, Any] = {"commission_rate": Decimal("0.0300"), "commission_fixed": Decimal("0")}
    values.update(kwargs)
    return Introduction.objects.create(
        broker=broker, party_a=party_a, party_b=party_b, created_by=created_by or broker.user, **values
    )
