from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from apps.accounts.models import User
from apps.core.validators import CREDIT_CODE_ALPHABET, credit_code_problem
from apps.deals.models import Deal, DealStage
from apps.demo.accounts import DEMO_LOGINS, DEMO_PASSWORD
from apps.demo.data import DEMO_EMAIL_DOMAIN, DEMO_ORGANIZATIONS, DEMO_PEOPLE
from apps.listings.models import Achievement, Demand, ListingStatus
from apps.organizations.models import Membership, MembershipRole, Organization, OrganizationType, VerificationStatus
from apps.organizations.registration_ids import registration_id_problem

pytestmark = pytest.mark.django_db


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo_data", *args, stdout=out)
    return out.getvalue()


def load_with_stderr(err: StringIO) -> str:
    out = StringIO()
    call_command("load_demo_data", stdout=out, stderr=err)
    return out.getvalue()


@pytest.fixture
def debug_on(settings: Settings) -> None:
    settings.DEBUG = True


@pytest.mark.usefixtures("debug_on")
def test_loads_the_expected_organisations_users_and_memberships() -> None:
    output = load()

    # Beside the Liuzhou market: a Vietnamese and a Thai enterprise, each with its admin (apps/demo/asean.py).
    assert Organization.objects.count() == len(DEMO_ORGANIZATIONS) + 2 == 17
    assert User.objects.count() == len(DEMO_PEOPLE) + 2 == 27
    assert Membership.objects.count() == len(DEMO_PEOPLE) + 2
    assert "created 17 organisation(s), 27 user(s), 27 membership(s), 11 listing(s)" in output
    # And the market around them (tests/demo/test_demo_market.py looks at it closely).
    assert (
        "11 listing(s) sent to matching, 2 broker(s), 4 introduction(s), 6 deal(s), 16 contract(s), "
        "1 negotiation thread(s), 1 signed contract document(s), "
        "7 IP asset(s), 2 custody agreement(s), 1 pledge(s), 9 finance(s), 3 sale(s), 1 after-deal story(s), "
        "17 statistics fold(s), "
        "2 annuity reminder(s), 1 subsidy round(s), 3 market(s), 4 expert(s), 1 event(s), 1 event deal(s)." in output
    )
    assert "柳州示例螺蛳粉食品有限公司" in output

    # One of each kind of actor, and only one organisation left for the operator to verify.
    assert set(Organization.objects.values_list("type", flat=True)) == set(OrganizationType.values)
    pending = Organization.objects.get(verification_status=VerificationStatus.PENDING)
    assert pending.type == OrganizationType.ENTERPRISE
    assert pending.verified_by is None
    verified = Organization.objects.filter(verification_status=VerificationStatus.VERIFIED)
    assert verified.count() == 16
    assert all(org.verified_at and org.verified_by for org in verified)
    assert set(Organization.objects.values_list("region_id", flat=True)) == {
        "450202",
        "450203",
        "450204",
        "450205",
        "450206",
        None,  # the ASEAN enterprises
    }

    # Every organisation has an admin; most also have an ordinary member.
    for organization in Organization.objects.all():
        assert organization.memberships.filter(role=MembershipRole.ADMIN).exists(), organization.name
    with_member = Organization.objects.filter(memberships__role=MembershipRole.MEMBER).distinct().count()
    assert with_member > len(DEMO_ORGANIZATIONS) / 2


@pytest.mark.usefixtures("debug_on")
def test_every_row_is_valid_and_every_credit_code_checks_out() -> None:
    load()

    for organization in Organization.objects.exclude(country_id="156"):
        # The ASEAN enterprises (apps/demo/asean.py): fictitious numbers that pass their country's check.
        organization.full_clean()
        assert organization.registration_id in {"0109998883", "0105599777668"}
        assert registration_id_problem(organization.country.alpha2, organization.registration_id) is None
    for organization in Organization.objects.filter(country_id="156"):
        organization.full_clean()
        assert credit_code_problem(organization.credit_code) is None
        assert len(organization.credit_code) == 18
        assert set(organization.credit_code) <= set(CREDIT_CODE_ALPHABET)
        assert "DEM0" in organization.credit_code  # the marker of a fictional code
    for user in User.objects.all():
        user.full_clean()
        assert user.email.endswith(f"@{DEMO_EMAIL_DOMAIN}")
        assert user.name
    for membership in Membership.objects.all():
        membership.full_clean()


@pytest.mark.usefixtures("debug_on")
def test_a_second_run_changes_nothing_and_says_so() -> None:
    load()
    before = {
        "orgs": list(Organization.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "listings": Achievement.objects.count() + Demand.objects.count(),
    }

    output = load()

    assert "nothing changed" in output
    assert "created" not in output
    assert list(Organization.objects.order_by("pk").values()) == before["orgs"]
    assert list(User.objects.order_by("pk").values()) == before["users"]
    assert list(Membership.objects.order_by("pk").values()) == before["memberships"]
    assert Achievement.objects.count() + Demand.objects.count() == before["listings"]


@pytest.mark.usefixtures("debug_on")
def test_a_run_after_a_partial_load_only_adds_what_is_missing() -> None:
    load()
    Membership.objects.filter(user__email=f"lu.jing@{DEMO_EMAIL_DOMAIN}").delete()

    output = load()

    assert "created 0 organisation(s), 0 user(s), 1 membership(s)" in output
    assert Membership.objects.count() == len(DEMO_PEOPLE) + 2  # and the ASEAN enterprises' admins


@pytest.mark.usefixtures("debug_on")
def test_a_market_item_the_services_now_refuse_is_skipped_and_the_rest_loads() -> None:
    load()
    # Someone clicking through the demo deleted the fresh lead and had the machinery maker's verification
    # revoked: the lead cannot be opened again (a deal's parties must be verified).
    Deal.objects.get(stage=DealStage.LEAD).delete()
    Organization.objects.filter(name="柳州示例工程机械股份有限公司").update(
        verification_status=VerificationStatus.PENDING
    )
    err = StringIO()

    output = load_with_stderr(err)

    assert "skipped  电动装载机电驱系统联合开发" in err.getvalue()
    assert "nothing changed" in output
    assert not Deal.objects.filter(stage=DealStage.LEAD).exists()

    Organization.objects.filter(name="柳州示例工程机械股份有限公司").update(
        verification_status=VerificationStatus.VERIFIED
    )
    output = load_with_stderr(StringIO())

    assert "1 deal(s)" in output
    assert Deal.objects.get(stage=DealStage.LEAD).title == "电动装载机电驱系统联合开发"


@pytest.mark.usefixtures("debug_on")
def test_the_demo_logins_work_with_the_shared_password() -> None:
    load()

    assert [email for email, _description in DEMO_LOGINS] == [p.email for p in DEMO_PEOPLE]
    for email, _description in DEMO_LOGINS:
        assert authenticate(email=email, password=DEMO_PASSWORD) is not None, email
    validate_password(DEMO_PASSWORD)  # the shared password meets the project's own rules

    admin = User.objects.get(email=f"admin@{DEMO_EMAIL_DOMAIN}")
    assert admin.is_superuser and admin.is_staff
    # The admin site is the operator's: its superuser can verify organisations.
    assert admin.memberships.get().organization.type == OrganizationType.MARKET_OPERATOR
    assert User.objects.filter(is_superuser=True).count() == 1


def test_refuses_with_debug_off(settings: Settings) -> None:
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG off"):
        load()

    assert not Organization.objects.exists()
    assert not User.objects.exists()


def test_force_loads_with_debug_off(settings: Settings) -> None:
    settings.DEBUG = False

    load("--force")

    assert Organization.objects.count() == len(DEMO_ORGANIZATIONS) + 2  # and the ASEAN enterprises


@pytest.mark.usefixtures("debug_on")
def test_demo_listings_are_published_searchable_and_bilingual(client) -> None:
    from apps.demo.listings import DEMO_ACHIEVEMENTS, DEMO_DEMANDS

    load()
    # The ASEAN enterprises add one Vietnamese and one Thai achievement.
    assert Achievement.objects.filter(status=ListingStatus.PUBLISHED).count() == len(DEMO_ACHIEVEMENTS) + 2
    assert Demand.objects.filter(status=ListingStatus.PUBLISHED).count() == len(DEMO_DEMANDS)
    assert Achievement.objects.filter(language="en").exists()
    assert set(Achievement.objects.filter(language__in=["vi", "th"]).values_list("language", flat=True)) == {"vi", "th"}
    found = client.get("/api/v1/achievements", {"q": "热失控"}).json()["results"]
    assert [a["title"] for a in found] == ["磷酸铁锂电池包热失控预警算法"]
    assert all(a["summary"].startswith("【演示数据】") for a in client.get("/api/v1/achievements").json()["results"])
