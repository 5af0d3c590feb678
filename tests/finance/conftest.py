from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import time_machine

from apps.accounts.models import User
from apps.ip.models import IPAsset
from apps.organizations.models import Organization, OrganizationType
from tests.custody.factories import make_patent
from tests.factories import OrganizationFactory, member_of, operator_user

# "Today" in these tests (Asia/Shanghai); the standard patent (filed 2020-03-02, granted) runs to 2040.
NOW = "2026-12-01T10:00:00+08:00"


@dataclass
class FinanceWorld:
    operator: User
    bank: Organization
    banker: User
    other_bank: Organization
    other_banker: User
    guarantor: Organization
    enterprise: Organization
    owner: User
    other_enterprise: Organization
    other_owner: User
    patent: IPAsset


@pytest.fixture
def finance_today() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def fw(db: None, finance_today: None) -> FinanceWorld:
    bank = OrganizationFactory(name="柳州银行科技支行", type=OrganizationType.BANK, entity_type_id="160")
    other_bank = OrganizationFactory(name="桂林银行柳州分行", type=OrganizationType.BANK, entity_type_id="160")
    guarantor = OrganizationFactory(name="柳州市融资担保有限公司", type=OrganizationType.GUARANTEE_COMPANY)
    enterprise = OrganizationFactory(name="柳州智控科技有限公司")
    other_enterprise = OrganizationFactory(name="柳州远景材料有限公司")
    return FinanceWorld(
        operator=operator_user(),
        bank=bank,
        banker=member_of(bank),
        other_bank=other_bank,
        other_banker=member_of(other_bank),
        guarantor=guarantor,
        enterprise=enterprise,
        owner=member_of(enterprise),
        other_enterprise=other_enterprise,
        other_owner=member_of(other_enterprise),
        patent=make_patent(enterprise, title="一种新能源汽车电池热管理方法"),
    )
