"""factory_boy factories shared by all tests. Add a domain's factories in its own section."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from apps.accounts.models import User
from apps.core.validators import credit_code_check_character
from apps.organizations.models import Membership, MembershipRole, Organization, OrganizationType, VerificationStatus

TEST_PASSWORD = "Liuzhou-Tech-2026!"


def make_credit_code(n: int) -> str:
    """A valid unified social credit code, distinct for each n."""
    body = f"91450200{n:09d}"
    return body + credit_code_check_character(body)


# --- accounts ---------------------------------------------------------------------------------
class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.cn")
    name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


# --- organizations ----------------------------------------------------------------------------
class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"柳州测试企业{n}有限公司")
    type = OrganizationType.ENTERPRISE
    credit_code = factory.Sequence(make_credit_code)
    region_id = "450202"
    entity_type_id = "170"
    verification_status = VerificationStatus.VERIFIED


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = MembershipRole.ADMIN


def member_of(organization: Organization, *, role: str = MembershipRole.ADMIN, **user_kwargs: object) -> User:
    """A new user who belongs to ``organization`` with ``role``."""
    user = UserFactory(**user_kwargs)
    MembershipFactory(user=user, organization=organization, role=role)
    return user


def operator_user(**user_kwargs: object) -> User:
    operator = OrganizationFactory(
        name="柳州市科技大市场运营中心", type=OrganizationType.MARKET_OPERATOR, entity_type_id="024"
    )
    return member_of(operator, **user_kwargs)
