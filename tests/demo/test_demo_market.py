"""The demo market load_demo_data builds around the listings: brokers, deals, contracts, custody, matching."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from pytest_django.fixtures import Settings

from apps.brokers.models import Broker, BrokerLevel, BrokerStatus, Introduction
from apps.contracts.catalogue import CHINA, ContractType
from apps.contracts.models import (
    Contract,
    ContractDocument,
    Deduction,
    Payment,
    PaymentMilestone,
    Registration,
    RegistrationEvent,
    RegistrationEventKind,
    RegistrationStatus,
)
from apps.contracts.selectors import SHANGHAI, market_today
from apps.core.evidence import verify_chain
from apps.core.models import EvidenceEntry
from apps.custody.models import AgreementStatus, CustodyAgreement, CustodyAsset, Pledge, PledgeStatus
from apps.custody.models import Payment as AnnuityPayment
from apps.deals.models import ActivityKind, Deal, DealActivity, DealStage
from apps.demo.data import DEMO_EMAIL_DOMAIN, DEMO_MARK
from apps.demo.listings import DEMO_ACHIEVEMENTS, DEMO_DEMANDS
from apps.demo.market import DEMO_CONTRACTS, DEMO_DEALS, DEMO_INTRODUCTIONS
from apps.demo.negotiation_and_documents import SIGNED_CONTRACT, THREAD_SUBJECT
from apps.ip.models import IPAsset, IPLegalEvent, LegalEventKind
from apps.listings.models import Achievement, Demand
from apps.matching import index_state
from apps.matching.models import ChangeOp, IndexChange, ListingKind, Match
from apps.negotiation.models import Thread
from apps.organizations.models import Organization, OrganizationType
from apps.trading.models import Bid, Deposit, Sale
from tests.settlement.demo_checks import check_after_deal_story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def debug_on(settings: Settings) -> None:
    settings.DEBUG = True


def load() -> str:
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


def test_brokers_are_verified_with_levels_certificates_and_specialties() -> None:
    output = load()

    brokers = Broker.objects.select_related("user", "organization").order_by("user__email")
    assert [b.user.email for b in brokers] == [f"meng.fan@{DEMO_EMAIL_DOMAIN}", f"zhang.yi@{DEMO_EMAIL_DOMAIN}"]
    assert {b.level for b in brokers} == {BrokerLevel.SENIOR, BrokerLevel.INTERMEDIATE}
    for broker in brokers:
        assert broker.status == BrokerStatus.VERIFIED
        assert broker.verified_by is not None and broker.verified_by.email == f"wei.lihua@{DEMO_EMAIL_DOMAIN}"
        assert broker.organization.type == OrganizationType.BROKER_AGENCY
        assert broker.certificate_number and broker.bio.startswith(DEMO_MARK)
        assert broker.fields.exists() and broker.industries.exists() and broker.regions.exists()
    assert "2 broker(s), 4 introduction(s)" in output

    introductions = Introduction.objects.select_related("broker__user", "party_a", "party_b")
    assert introductions.count() == len(DEMO_INTRODUCTIONS) == 4
    for introduction in introductions:
        assert introduction.commission_rate > 0
        assert introduction.party_a.verification_status == introduction.party_b.verification_status == "verified"
        assert introduction.created_by_id == introduction.broker.user_id
    # Around listings of the parties, and with caps where agreed.
    assert introductions.filter(demand__isnull=False).exists()
    assert introductions.filter(achievement__isnull=False).exists()
    assert introductions.filter(commission_cap__isnull=False).exists()


def test_deals_stand_at_several_stages_with_their_activity() -> None:
    load()

    # The deals of the demo market (an auction's win opens one more: see the trading test below).
    stages = dict(
        Deal.objects.exclude(pk__in=Sale.objects.filter(deal__isnull=False).values("deal_id")).values_list(
            "title", "stage"
        )
    )
    assert len(stages) == len(DEMO_DEALS)
    assert set(stages.values()) >= {
        DealStage.LEAD,
        DealStage.CONTACTED,
        DealStage.NEGOTIATING,
        DealStage.SIGNED,
        DealStage.REGISTERED,
        DealStage.LOST,
    }
    lost = Deal.objects.get(stage=DealStage.LOST)
    assert lost.close_reason == "price" and lost.close_note and lost.closed_at is not None

    # The contract drove the late stages: signed with a signing time, registered with a registered contract.
    registered = Deal.objects.get(stage=DealStage.REGISTERED)
    assert registered.signed_at is not None
    assert registered.contracts.get().registrations.get().status == RegistrationStatus.REGISTERED
    signed = Deal.objects.get(stage=DealStage.SIGNED)
    assert signed.contracts.get().registrations.get().status == RegistrationStatus.APPLIED
    # Opened, three moves by the people, one step along the contract (lead → … → registered).
    assert registered.activities.filter(kind=ActivityKind.SYSTEM).count() == 5

    # Every deal has a log: the opening and each move (system), and the people's calls, meetings and notes.
    for deal in Deal.objects.all():
        kinds = set(deal.activities.values_list("kind", flat=True))
        assert ActivityKind.SYSTEM in kinds, deal.title
    assert DealActivity.objects.filter(kind=ActivityKind.MEETING).exists()
    assert DealActivity.objects.filter(kind=ActivityKind.CALL).exists()
    # Brokers take part: from their introductions, or brought in by a party.
    assert Deal.objects.filter(participants__role="broker").distinct().count() >= 4


def test_contracts_of_every_type_with_money_and_parties_near_and_far() -> None:
    load()
    today = market_today()
    contracts = Contract.objects.all()

    # The hand-made contracts and the after-deal story's licence (apps/demo/settlement.py).
    assert contracts.count() == len(DEMO_CONTRACTS) + 1
    assert set(contracts.values_list("type", flat=True)) == set(ContractType.values)
    for contract in contracts:
        deducted = contract.deductions.aggregate(s=Sum("amount"))["s"] or Decimal("0")
        assert contract.technology_amount == contract.contract_amount - deducted
        assert contract.document and contract.document_content_type == "application/pdf"
        milestones = contract.milestones.aggregate(s=Sum("amount"))["s"]
        assert milestones == contract.contract_amount
        paid = contract.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0")
        assert paid <= contract.contract_amount
        assert all(p.paid_on <= today for p in contract.payments.all())
    assert Deduction.objects.count() >= 4
    assert Payment.objects.count() > PaymentMilestone.objects.count() / 2

    # The after-deal story: escrow settlement, 小试/中试 reports, royalties, the university's split.
    check_after_deal_story()

    # Parties in Liuzhou, elsewhere in Guangxi, another province and abroad.
    buyer_regions = set(contracts.exclude(buyer_region=None).values_list("buyer_region_id", flat=True))
    assert any(code.startswith("4502") for code in buyer_regions)
    assert {"450100", "450900", "440000"} <= buyer_regions
    export = contracts.get(buyer_country="704")
    assert not export.is_import and export.buyer_id is None and export.seller_country_id == CHINA
    technology_import = contracts.get(is_import=True)
    assert technology_import.seller_country_id == "764" and technology_import.seller_id is None
    assert technology_import.registrations.get().applicant_id == technology_import.buyer_id

    # Signed over the last eighteen months, in most of them: a monthly trend and a year-on-year comparison.
    signed = sorted(contracts.values_list("signed_on", flat=True))
    assert signed[-1] <= today and signed[0] >= today - timedelta(days=560)
    assert signed[-1] - signed[0] > timedelta(days=500)
    months = {(d.year, d.month) for d in signed}
    assert len(months) >= 12
    assert any((y - 1, m) in months for y, m in months)

    # Issue 20: one contract's document drafted from its model text and signed by both parties, a
    # negotiation thread under the licensed achievement's NDA, and every event in the evidence chain.
    document = ContractDocument.objects.get(contract__contract_number=SIGNED_CONTRACT)
    assert document.status == "signed" and document.signatures.count() == 2
    assert hashlib.sha256(document.pdf.read()).hexdigest() == document.pdf_sha256
    assert set(document.signatures.values_list("document_sha256", flat=True)) == {document.pdf_sha256}
    thread = Thread.objects.get(subject=THREAD_SUBJECT)
    assert thread.message_count == 2 and thread.messages.first().attachments.count() == 1
    assert EvidenceEntry.objects.filter(event="contract.signed", subject_id=document.contract_id).exists()
    assert verify_chain().ok


def test_registrations_are_decided_by_the_operator_with_later_events() -> None:
    load()
    today = market_today()

    statuses = list(Registration.objects.values_list("status", flat=True))
    assert statuses.count(RegistrationStatus.APPLIED) == 1
    assert statuses.count(RegistrationStatus.CORRECTION_REQUESTED) == 1
    assert statuses.count(RegistrationStatus.REFUSED) == 1
    recognised = Registration.objects.filter(
        status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.TERMINATED]
    ).select_related("decided_by")
    assert recognised.count() >= 10
    for registration in recognised:
        # Numbers the market issued itself: office code, year of the decision, sequence.
        decided_on = registration.decided_at.astimezone(SHANGHAI).date()
        assert registration.registration_number.startswith(f"450200{decided_on.year}")
        # Applied and decided on their own past days (the statistics count them there), not at loading.
        assert registration.applied_at.astimezone(SHANGHAI).date() < decided_on <= today
        assert registration.events.get(kind=RegistrationEventKind.REGISTERED).effective_on == decided_on
        assert len(registration.registration_number) == 16
        assert registration.decided_by.email == f"wei.lihua@{DEMO_EMAIL_DOMAIN}"
    refused = Registration.objects.get(status=RegistrationStatus.REFUSED)
    assert refused.refusal_ground == "price_unclear" and refused.decision_note
    assert Registration.objects.get(status=RegistrationStatus.CORRECTION_REQUESTED).correction_note

    change = RegistrationEvent.objects.get(
        kind=RegistrationEventKind.CHANGE, contract__contract_number="LZDEMO-JSZR-003"
    )
    assert change.contract_amount == Decimal("1350000.00") and change.contract_amount_delta == Decimal("150000.00")
    termination = RegistrationEvent.objects.get(kind=RegistrationEventKind.TERMINATION)
    assert termination.registration.status == RegistrationStatus.TERMINATED
    assert termination.contract_amount_delta < 0
    assert termination.registration.recognised_contract_amount == termination.contract_amount


def test_custody_keeps_patents_alive_with_schedules_a_paid_annuity_and_a_pledge() -> None:
    load()
    today = market_today()

    agency = Organization.objects.get(type=OrganizationType.IP_AGENCY)
    assert agency.memberships.count() == 2
    agreements = CustodyAgreement.objects.filter(custodian=agency)
    assert agreements.count() == 2
    assert set(agreements.values_list("status", flat=True)) == {AgreementStatus.ACTIVE}

    rows = CustodyAsset.objects.select_related("asset")
    assert rows.count() == IPAsset.objects.count() == 5
    for row in rows:
        # The annuity schedule is computed: every patent has its next year, due date and fee.
        assert row.active and row.next_year and row.next_due_date and row.next_fee is not None, row.asset.title
        assert row.asset.patent_number == f"ZL{row.asset.application_number}"
    # One patent is in its grace period, one falls due within a month, one is reduced 85 %.
    assert rows.filter(next_due_date__lt=today, grace_deadline__gte=today).count() == 1
    assert rows.filter(next_due_date__gte=today, next_due_date__lte=today + timedelta(days=31)).exists()
    assert rows.filter(next_reduced=True).exists()

    payment = AnnuityPayment.objects.get()
    assert payment.code == "on_time" and not payment.underpaid and payment.paid_on == today
    assert payment.custody_asset.paid_through_year == payment.year
    assert payment.custody_asset.next_year == payment.year + 1

    pledge = Pledge.objects.get()
    assert pledge.status == PledgeStatus.ACTIVE
    assert pledge.pledgors == [{"organization_id": pledge.asset.owner_id, "name": ""}]
    assert IPLegalEvent.objects.filter(asset=pledge.asset, kind=LegalEventKind.PLEDGED).exists()


def test_matching_is_told_about_every_demo_listing_once() -> None:
    load()

    changes = IndexChange.objects.filter(op=ChangeOp.UPSERT)
    achievements = set(changes.filter(kind=ListingKind.ACHIEVEMENT).values_list("listing_id", flat=True))
    demands = set(changes.filter(kind=ListingKind.DEMAND).values_list("listing_id", flat=True))
    assert achievements == set(Achievement.objects.values_list("pk", flat=True))
    assert demands == set(Demand.objects.values_list("pk", flat=True))
    assert changes.count() == len(DEMO_ACHIEVEMENTS) + len(DEMO_DEMANDS)
    version = index_state.current_version()

    load()

    assert index_state.current_version() == version


@pytest.mark.usefixtures("celery_eager")
def test_after_commit_the_demo_demands_have_stored_matches(django_capture_on_commit_callbacks) -> None:
    index_state.reset_local()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            load()
    finally:
        index_state.reset_local()

    # The English denitration catalyst meets the steel works' Chinese demand through the glossary.
    pair = Match.objects.filter(
        demand__title="烧结烟气超低排放脱硝技术",
        achievement__title="Low-temperature denitration catalyst for steel sintering flue gas",
    )
    assert pair.exists()
    assert Match.objects.filter(
        demand__title="动力电池包热失控早期预警", achievement__title__contains="热失控"
    ).exists()
    # The contracts side reported to the deals again after commit, which changed nothing: the log still has
    # the opening, three moves by the people and one step along the contract.
    registered = Deal.objects.get(stage=DealStage.REGISTERED)
    assert registered.activities.filter(kind=ActivityKind.SYSTEM).count() == 5


def test_trading_shows_a_patent_under_notice_a_finished_and_a_running_auction() -> None:
    load()
    listed = Sale.objects.get(mode="fixed_price")
    assert (listed.status, listed.seller.type, listed.notice_days) == ("listed", "university", 15)
    assert listed.phase() == "notice"
    assert listed.objections.get().status == "dismissed"

    done = Sale.objects.get(mode="auction", status="sold")
    top = Bid.objects.filter(sale=done).order_by("-amount", "sequence").first()
    assert top is not None and done.final_price == top.amount >= (done.reserve_price or 0)
    assert done.buyer_id == top.bidder.organization_id
    assert done.deal is not None and done.deal.stage == DealStage.NEGOTIATING
    assert sorted(Deposit.objects.filter(sale=done).values_list("status", flat=True)) == [
        "applied",
        "refunded",
        "refunded",
    ]

    running = Sale.objects.get(mode="auction", status="listed")
    assert running.phase() == "bidding" and running.bid_count > 0 and running.reserve_met is False


def test_a_second_run_creates_nothing_anywhere() -> None:
    load()
    models = [
        Broker,
        Introduction,
        Deal,
        DealActivity,
        Contract,
        Deduction,
        PaymentMilestone,
        Payment,
        Registration,
        RegistrationEvent,
        IPAsset,
        IPLegalEvent,
        CustodyAgreement,
        CustodyAsset,
        AnnuityPayment,
        Pledge,
        IndexChange,
        Sale,
        Bid,
    ]
    before = {model.__name__: model.objects.count() for model in models}
    versions = dict(Contract.objects.values_list("pk", "version"))
    deals = dict(Deal.objects.values_list("pk", "version"))

    output = load()

    assert "nothing changed" in output
    assert {model.__name__: model.objects.count() for model in models} == before
    assert dict(Contract.objects.values_list("pk", "version")) == versions
    assert dict(Deal.objects.values_list("pk", "version")) == deals
