"""IP assets for tests: valid, distinct identifiers for every kind."""

from __future__ import annotations

import itertools
from datetime import date

import factory
from factory.django import DjangoModelFactory

from apps.core.validators import patent_check_character
from apps.ip.models import IPAsset, IPAssetKind, LegalStatus
from tests.factories import OrganizationFactory

# Far from the small serials tests pass explicitly.
_serial = itertools.count(100_000)


def make_application_number(n: int | None = None, *, type_digit: str = "1", year: int = 2020) -> str:
    """A valid 12-digit CNIPA application number, distinct for each n (a fresh one when n is None)."""
    digits = f"{year}{type_digit}{(next(_serial) if n is None else n):07d}"
    return f"{digits}.{patent_check_character(digits)}"


class IPAssetFactory(DjangoModelFactory):
    """A pending invention patent application; traits for a granted patent and a software copyright."""

    class Meta:
        model = IPAsset

    owner = factory.SubFactory(OrganizationFactory)
    kind = IPAssetKind.INVENTION
    title = factory.Sequence(lambda n: f"一种汽车零部件表面缺陷检测方法{n}")
    application_number = factory.LazyFunction(make_application_number)
    ipc_main = "G01N 21/88"
    filing_date = date(2020, 3, 2)
    legal_status = LegalStatus.PENDING

    class Params:
        granted = factory.Trait(
            legal_status=LegalStatus.GRANTED,
            grant_date=date(2022, 6, 7),
            patent_number=factory.LazyAttribute(lambda o: f"ZL{o.application_number}"),
        )
        software = factory.Trait(
            kind=IPAssetKind.SOFTWARE_COPYRIGHT,
            title=factory.Sequence(lambda n: f"智能网联汽车远程诊断软件V{n}.0"),
            application_number="",
            ipc_main="",
            registration_number=factory.Sequence(lambda n: f"2021SR{n:07d}"),
            legal_status=LegalStatus.GRANTED,
            grant_date=date(2021, 8, 9),
        )
