"""Loads :mod:`apps.demo.market` through the services, as people would have made it.

Brokers file their profiles and the operator verifies them; brokers record introductions; parties and
brokers open deals and move them; sellers record contracts, attach the signed document and apply for
registration, which the operator decides; owners entrust patents to the IP agency, which starts the
custody and pays an annuity. So every row has the events, history, notifications and derived amounts
the real flow gives it. Contracts signed in the past (the hand-made ones and three years of history,
:mod:`apps.demo.history`) are applied for and decided on their own past days (the services' ``as_of``),
so the statistics count each in its month; they are folded and today's annuity reminders sent before
the command commits.

Idempotent like the rest of ``load_demo_data``: each top-level record (broker profile, introduction,
deal, contract, IP asset, custody agreement, pledge) is recognised by a natural key and, when present,
left as it is, with everything that belongs to it. Everything runs inside the command's transaction,
each record in a savepoint of its own: one the services refuse is reported and skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.brokers.models import Broker, Introduction
from apps.brokers.services import broker_register, broker_verify, introduction_record
from apps.contracts.models import Contract, Registration
from apps.contracts.selectors import market_today
from apps.contracts.services import (
    contract_create,
    contract_document_attach,
    milestone_create,
    payment_create,
    registration_apply,
    registration_decide,
    registration_record_event,
)
from apps.core.errors import ApplicationError
from apps.core.validators import patent_check_character
from apps.custody.models import CustodyAgreement, CustodyAsset, Pledge
from apps.custody.services import (
    agreement_create,
    agreement_start,
    annuity_reminders_send,
    payment_record,
    pledge_create,
)
from apps.deals.models import Deal, DealStage
from apps.deals.services import (
    deal_activity_add,
    deal_advance,
    deal_broker_add,
    deal_create,
    deal_sync_from_contract,
)
from apps.demo.data import DEMO_EMAIL_DOMAIN, ORGANIZATIONS_BY_KEY
from apps.demo.history import HISTORY_MONTHS, history_contracts
from apps.demo.market import (
    ACTING_PERSON,
    DEMO_BROKERS,
    DEMO_CONTRACTS,
    DEMO_CUSTODIES,
    DEMO_DEALS,
    DEMO_INTRODUCTIONS,
    DEMO_PATENTS,
    DEMO_PLEDGES,
    INTRODUCTIONS_BY_KEY,
    IP_AGENCY_PERSON,
    OPERATOR_PERSON,
    DemoContract,
    DemoCustody,
    DemoDeal,
    DemoParty,
    DemoPatent,
)
from apps.demo.negotiation_and_documents import load_negotiation, load_signed_document
from apps.demo.settlement import load_settlement
from apps.ip.models import IPAsset
from apps.ip.services import ip_asset_create
from apps.listings.models import Achievement, Demand
from apps.matching.models import ListingKind
from apps.matching.services import listings_matching_changed
from apps.organizations.models import Organization
from apps.stats.services import stats_fold_contract

Progress = Callable[..., None]

# The stages the parties and brokers walk a deal through, in order.
_PEOPLE_PATH = (DealStage.CONTACTED, DealStage.NEGOTIATING, DealStage.CONTRACT_DRAFTED)
# How a contract's money falls due: (title, share, days after signing). The last takes the remainder.
_MILESTONES = (("首付款", Decimal("0.30"), 10), ("中期款", Decimal("0.40"), 150), ("验收尾款", Decimal("0.30"), 330))
_PATENT_TYPE_DIGIT = {"invention": "1", "utility_model": "2", "design": "3"}


def demo_pdf(text: str) -> bytes:
    """A small, valid one-page PDF saying ``text`` (ASCII): the signed document the services require."""
    stream = f"BT /F1 12 Tf 72 760 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def demo_application_number(*, filing_date: date, kind: str, serial: int) -> str:
    digits = f"{filing_date.year}{_PATENT_TYPE_DIGIT[kind]}{serial:07d}"
    return f"{digits}.{patent_check_character(digits)}"


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _yuan(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.01"))


class MarketLoader:
    """Creates the demo market among the demo organisations; ``progress(kind, label, created=)`` reports."""

    def __init__(
        self,
        *,
        progress: Progress,
        heading: Callable[[str], None],
        warn: Callable[[str], None],
        history_months: int = HISTORY_MONTHS,
    ) -> None:
        self.progress = progress
        self.heading = heading
        self.warn = warn
        self.today = market_today()
        self.now = timezone.now()
        self.contracts = all_contracts(today=self.today, history_months=history_months)
        self.organizations = {
            key: Organization.objects.get(credit_code=ORGANIZATIONS_BY_KEY[key].credit_code)
            for key in _used_organization_keys(self.contracts)
        }
        self.new_contract_ids: list[int] = []

    # --- helpers ---------------------------------------------------------------------------------

    def user(self, person: str) -> User:
        # Fresh each time: the selectors cache memberships and broker profiles on the user object, and
        # the loader changes both while it runs.
        return User.objects.get(email=f"{person}@{DEMO_EMAIL_DOMAIN}")

    def acting(self, organization_key: str) -> User:
        return self.user(ACTING_PERSON[organization_key])

    def org(self, key: str) -> Organization:
        return self.organizations[key]

    # --- the whole market ------------------------------------------------------------------------

    def load(self) -> None:
        self.heading("Brokers")
        self._each(DEMO_BROKERS, self._broker)
        self.heading("Introductions")
        self._each(DEMO_INTRODUCTIONS, self._introduction)
        self.heading("Deals")
        self._each(DEMO_DEALS, self._deal)
        self.heading("Contracts")
        self._each(self.contracts, self._contract)
        self.heading("Negotiation and signed documents")
        self._each((None,), lambda _item: load_negotiation(progress=self.progress, pdf=demo_pdf))
        self._each((None,), lambda _item: load_signed_document(progress=self.progress))
        self.heading("Settlement, after the deal, royalties and revenue sharing")
        self._settlement()
        self.heading("IP assets and custody")
        self._each(DEMO_PATENTS, self._patent)
        self._each(DEMO_CUSTODIES, self._custody)
        self._each(DEMO_PLEDGES, self._pledge)
        self.heading("Statistics and reminders")
        self._fold_statistics()
        self._send_annuity_reminders()

    def _settlement(self) -> None:
        try:
            with transaction.atomic():
                contract_id = load_settlement(today=self.today, progress=self.progress, demo_pdf=demo_pdf)
        except (ApplicationError, ObjectDoesNotExist, MultipleObjectsReturned) as problem:
            self.warn(f"  skipped  settlement: {problem}")
            return
        if contract_id is not None:
            self.new_contract_ids.append(contract_id)

    def _fold_statistics(self) -> None:
        """Fold the new contracts into the statistics now, in the loading transaction: the figures are there
        the moment it commits, before any worker runs. The ``stats.fold_contract`` effects their payments
        and registrations recorded still run after commit and find nothing left to change."""
        for contract_id in self.new_contract_ids:
            stats_fold_contract(contract_id=contract_id)
        if self.new_contract_ids:
            count = len(self.new_contract_ids)
            self.progress(
                "statistics fold", f"{count} contract(s) folded into the statistics", created=True, count=count
            )

    def _send_annuity_reminders(self) -> None:
        """The daily reminder scan (celery beat, 06:30) once now, so a fresh demo already shows the
        reminders due today, the overdue patent's included. Sends nothing twice when beat runs it later."""
        result = annuity_reminders_send(today=self.today)
        sent = result["sent"]
        self.progress("annuity reminder", f"{sent} annuity reminder(s) due today", created=bool(sent), count=sent)

    def _each(self, items: Sequence[Any], make: Callable[[Any], None]) -> None:
        """Make each item in its own savepoint: one the services now refuse is skipped, not fatal.

        That happens when a demo someone has been clicking through changed what an item needs (an
        organisation no longer verified, a listing deleted …): the rest of the market still loads.
        """
        for item in items:
            try:
                with transaction.atomic():
                    make(item)
            except (ApplicationError, ObjectDoesNotExist, MultipleObjectsReturned) as problem:
                label = getattr(item, "title", "") or getattr(item, "number", "") or repr(item)[:80]
                self.warn(f"  skipped  {label}: {problem}")

    # --- brokers and introductions ---------------------------------------------------------------

    def _broker(self, demo: Any) -> None:
        person = self.user(demo.person)
        created = not Broker.objects.filter(user=person).exists()
        if created:
            broker = broker_register(
                actor=person,
                data={
                    "organization_id": self.org("broker").pk,
                    "level": demo.level,
                    "certificate_number": demo.certificate_number,
                    "bio": demo.bio,
                    "field_codes": list(demo.field_codes),
                    "industry_codes": list(demo.industry_codes),
                    "region_codes": list(demo.region_codes),
                },
            )
            broker_verify(actor=self.user(OPERATOR_PERSON), broker=broker, approve=True)
        self.progress("broker", f"{person.name} {demo.certificate_number}", created=created)

    def _introduction(self, demo: Any) -> None:
        party_a, party_b = self.org(demo.party_a), self.org(demo.party_b)
        created = not Introduction.objects.filter(
            broker__user__email=f"{demo.broker}@{DEMO_EMAIL_DOMAIN}", party_a=party_a, party_b=party_b
        ).exists()
        if created:
            introduction_record(
                actor=self.user(demo.broker),
                party_a_id=party_a.pk,
                party_b_id=party_b.pk,
                commission_rate=Decimal(demo.commission_rate),
                commission_fixed=_yuan(demo.commission_fixed),
                commission_cap=_yuan(demo.commission_cap) if demo.commission_cap else None,
                demand_id=_listing_id(Demand, demo.demand_title, (party_a, party_b)),
                achievement_id=_listing_id(Achievement, demo.achievement_title, (party_a, party_b)),
                note=demo.note,
            )
        self.progress(
            "introduction", f"{party_a.short_name} ↔ {party_b.short_name} ({demo.commission_rate})", created=created
        )

    # --- deals -----------------------------------------------------------------------------------

    def _deal(self, demo: DemoDeal) -> None:
        buyer, seller = self.org(demo.buyer), self.org(demo.seller)
        created = not Deal.objects.filter(title=demo.title, buyer=buyer, seller=seller).exists()
        if created:
            opener = self.user(demo.opened_by)
            introduction_id = None
            if demo.introduction:
                source = INTRODUCTIONS_BY_KEY[demo.introduction]
                introduction_id = Introduction.objects.values_list("pk", flat=True).get(
                    broker__user__email=f"{source.broker}@{DEMO_EMAIL_DOMAIN}",
                    party_a=self.org(source.party_a),
                    party_b=self.org(source.party_b),
                )
            deal = deal_create(
                actor=opener,
                buyer_id=buyer.pk,
                seller_id=seller.pk,
                title=demo.title,
                description=demo.description,
                introduction_id=introduction_id,
                demand_id=_listing_id(Demand, demo.demand_title, (buyer,)),
                achievement_id=_listing_id(Achievement, demo.achievement_title, (seller,)),
            )
            if demo.add_broker:
                broker = Broker.objects.get(user__email=f"{demo.add_broker}@{DEMO_EMAIL_DOMAIN}")
                deal = deal_broker_add(
                    actor=self.acting(demo.buyer), deal=deal, broker_id=broker.pk, expected_version=deal.version
                )
            for activity in demo.activities:
                deal_activity_add(
                    actor=self.user(activity.by),
                    deal=deal,
                    kind=activity.kind,
                    text=activity.text,
                    occurred_at=self.now - timedelta(days=activity.days_ago),
                )
            # A lost deal was lost at the negotiating table.
            target = DealStage.NEGOTIATING if demo.stage == DealStage.LOST else DealStage(demo.stage)
            path = _PEOPLE_PATH[: _PEOPLE_PATH.index(target) + 1] if target in _PEOPLE_PATH else ()
            for stage in path:
                deal = deal_advance(actor=opener, deal=deal, to=stage, expected_version=deal.version)
            if demo.stage == DealStage.LOST:
                deal_advance(
                    actor=opener,
                    deal=deal,
                    to=DealStage.LOST,
                    expected_version=deal.version,
                    reason=demo.lost_reason,
                    note=demo.lost_note,
                )
        self.progress("deal", f"{demo.title} ({demo.stage})", created=created)

    # --- contracts -------------------------------------------------------------------------------

    def _party(self, role: str, party: str | DemoParty) -> dict[str, Any]:
        if isinstance(party, str):
            return {f"{role}_id": self.org(party).pk}
        values = {f"{role}_name": party.name, f"{role}_entity_type_code": party.entity_type_code}
        if party.country_code:
            values[f"{role}_country_code"] = party.country_code
        else:
            values[f"{role}_region_code"] = party.region_code
        return values

    def _contract(self, demo: DemoContract) -> None:
        created = not Contract.objects.filter(contract_number=demo.number).exists()
        if created:
            is_import = isinstance(demo.seller, DemoParty) and bool(demo.seller.country_code)
            registrant = demo.buyer if is_import else demo.seller
            if not isinstance(registrant, str):
                raise ValueError(f"{demo.number}: the registrant must be a demo organisation")
            actor = self.acting(registrant)
            signed_on = self.today - timedelta(days=demo.signed_days_ago)
            deal = None
            if demo.deal_title:
                deal = Deal.objects.get(
                    title=demo.deal_title,
                    buyer=self.org(str(demo.buyer)),
                    seller=self.org(str(demo.seller)),
                )
            data: dict[str, Any] = {
                "title": demo.title,
                "contract_number": demo.number,
                "type": demo.type,
                "subtype": demo.subtype,
                "ip_type": demo.ip_type,
                "technology_field_code": demo.technology_field_code,
                "programme_class": demo.programme_class,
                "signed_on": signed_on,
                "valid_from": signed_on,
                "valid_until": signed_on + timedelta(days=365 * demo.valid_years),
                "contract_amount": _yuan(demo.contract_amount),
                "deductions": [
                    {"kind": d.kind, "description": d.description, "amount": _yuan(d.amount)} for d in demo.deductions
                ],
                "deal_id": deal.pk if deal else None,
                **self._party("buyer", demo.buyer),
                **self._party("seller", demo.seller),
            }
            contract = contract_create(actor=actor, data=data)
            upload = SimpleUploadedFile(
                f"{demo.number}.pdf", demo_pdf(f"Demo contract {demo.number}"), content_type="application/pdf"
            )
            contract = contract_document_attach(actor=actor, contract=contract, upload=upload)
            self._money(contract, actor=actor, signed_on=signed_on)
            self._registration(demo, contract, applicant=actor, signed_on=signed_on)
            self.new_contract_ids.append(contract.pk)
            if contract.deal_id is not None:
                # The contracts side also reports after commit; reporting now as well lets the deal's stage
                # be read inside this transaction (the call is idempotent, so the later one changes nothing).
                stage = DealStage.REGISTERED if demo.registration == "registered" else DealStage.SIGNED
                deal_sync_from_contract(deal_id=contract.deal_id, stage=stage)
        registration = demo.registration or "not applied"
        self.progress("contract", f"{demo.number} {demo.title} ({registration})", created=created)

    def _money(self, contract: Contract, *, actor: User, signed_on: date) -> None:
        total = contract.contract_amount
        remaining = total
        for position, (title, share, days) in enumerate(_MILESTONES):
            last = position == len(_MILESTONES) - 1
            amount = remaining if last else (total * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            remaining -= amount
            due_on = signed_on + timedelta(days=days)
            milestone = milestone_create(actor=actor, contract=contract, title=title, due_on=due_on, amount=amount)
            if due_on <= self.today:
                payment_create(
                    actor=actor,
                    contract=contract,
                    amount=amount,
                    paid_on=due_on,
                    reference=f"{contract.contract_number}-{position + 1}",
                    note=f"{title}（演示数据）",
                    milestone_id=milestone.pk,
                )

    def _past(self, day: date) -> date | None:
        """``as_of`` for a registration step on ``day``: the day when it is past, None (now) for today."""
        return day if day < self.today else None

    def _registration(self, demo: DemoContract, contract: Contract, *, applicant: User, signed_on: date) -> None:
        """Applied, decided and changed on their own days (see :func:`registration_days`), so the
        statistics count each contract in the month it was registered."""
        if not demo.registration:
            return
        applied_on, decided_on, event_on = registration_days(demo, signed_on=signed_on, today=self.today)
        registration = registration_apply(actor=applicant, contract=contract, as_of=self._past(applied_on))
        operator = self.user(OPERATOR_PERSON)
        decided = self._past(decided_on)
        if demo.registration == "registered":
            # The market issues the number (office code + year of the decision + sequence).
            registration = registration_decide(
                actor=operator, registration=registration, decision="register", note=demo.decision_note, as_of=decided
            )
        elif demo.registration == "correction":
            registration_decide(
                actor=operator,
                registration=registration,
                decision="request_correction",
                note=demo.decision_note,
                as_of=decided,
            )
            return
        elif demo.registration == "refused":
            registration_decide(
                actor=operator,
                registration=registration,
                decision="refuse",
                refusal_ground=demo.refusal_ground,
                note=demo.decision_note,
                as_of=decided,
            )
            return
        if demo.registration != "registered":
            return
        for kind, amounts in (("change", demo.change_to), ("termination", demo.terminate_to)):
            if amounts is None:
                continue
            registration_record_event(
                actor=operator,
                registration=Registration.objects.get(pk=registration.pk),
                kind=kind,
                effective_on=event_on,
                contract_amount=_yuan(amounts[0]),
                technology_amount=_yuan(amounts[1]),
                note=demo.event_note,
            )

    # --- IP assets, custody, pledges -------------------------------------------------------------

    def _patent_dates(self, demo: DemoPatent) -> tuple[date, date]:
        anniversary = self.today + timedelta(days=demo.anniversary_in_days)
        filing = years_before(anniversary, demo.years_before_anniversary)
        return filing, filing + timedelta(days=demo.granted_after_days)

    def _patent(self, demo: DemoPatent) -> None:
        filing, grant = self._patent_dates(demo)
        number = demo_application_number(filing_date=filing, kind=demo.kind, serial=demo.serial)
        owner = self.org(demo.owner)
        created = not IPAsset.objects.filter(owner=owner, title=demo.title).exists()
        if created:
            ip_asset_create(
                actor=self.acting(demo.owner),
                data={
                    "owner_id": owner.pk,
                    "kind": demo.kind,
                    "title": demo.title,
                    "application_number": number,
                    "patent_number": f"ZL{number}",
                    "ipc_main": demo.ipc_main,
                    "filing_date": filing,
                    "grant_date": grant,
                    "legal_status": "granted",
                },
            )
        self.progress("IP asset", f"{owner.short_name} ZL{number} {demo.title}", created=created)

    def _custody(self, demo: DemoCustody) -> None:
        owner, custodian = self.org(demo.owner), self.org(demo.custodian)
        created = not CustodyAgreement.objects.filter(owner=owner, custodian=custodian, note=demo.note).exists()
        if created:
            patents = {p.title: p for p in DEMO_PATENTS}
            assets = {a.title: a for a in IPAsset.objects.filter(owner=owner, title__in=demo.patent_titles)}
            entries: list[dict[str, Any]] = []
            for title in demo.patent_titles:
                entry: dict[str, Any] = {"asset_id": assets[title].pk}
                if demo.reduction_applicants:
                    entry["reduction_applicants"] = demo.reduction_applicants
                if patents[title].keep_due_unpaid:
                    # Year n falls due on the (n-1)-th filing anniversary: the latest one is left unpaid.
                    entry["paid_through_year"] = patents[title].years_before_anniversary
                entries.append(entry)
            start = self.today - timedelta(days=demo.started_days_ago)
            agreement = agreement_create(
                actor=self.acting(demo.owner),
                owner_id=owner.pk,
                custodian_id=custodian.pk,
                start_date=start,
                end_date=start + timedelta(days=365 * demo.years),
                service_level=demo.service_level,
                fee=_yuan(demo.fee),
                assets=entries,
                note=demo.note,
            )
            agency = self.user(IP_AGENCY_PERSON)
            agreement = agreement_start(actor=agency, agreement=agreement)
            for title in demo.pay_first_due:
                row = CustodyAsset.objects.select_related("agreement").get(agreement=agreement, asset=assets[title])
                if row.next_year is None or row.next_fee is None:
                    continue
                payment_record(
                    actor=agency,
                    custody_asset=row,
                    year=row.next_year,
                    amount=row.next_fee,
                    paid_on=self.today,
                    receipt_number=f"DEMO-{assets[title].application_number}-{row.next_year}",
                )
        self.progress(
            "custody agreement",
            f"{owner.short_name} → {custodian.short_name}: {len(demo.patent_titles)} 件专利",
            created=created,
        )

    def _pledge(self, demo: Any) -> None:
        created = not Pledge.objects.filter(registration_number=demo.registration_number).exists()
        if created:
            owner_key = next(p.owner for p in DEMO_PATENTS if p.title == demo.patent_title)
            asset = IPAsset.objects.get(owner=self.org(owner_key), title=demo.patent_title)
            registered = self.today - timedelta(days=demo.registered_days_ago)
            pledge_create(
                actor=self.acting(owner_key),
                asset=asset,
                pledgors=[{"organization_id": asset.owner_id}],
                pledgee=demo.pledgee,
                secured_amount=_yuan(demo.secured_amount),
                term_start=registered,
                term_end=registered + timedelta(days=365 * demo.term_years),
                registration_date=registered,
                registration_number=demo.registration_number,
            )
        self.progress("pledge", f"{demo.patent_title} → {demo.pledgee}", created=created)


def notify_matching(*, achievement_ids: list[int], demand_ids: list[int]) -> int:
    """Tell matching about newly published demo listings, in bulk; returns how many.

    The demo publishes its listings without the review services, so it calls their hook itself, inside
    the loading transaction: one change-log entry per listing now, and the ``matching.index_listings``
    effects recorded with it, which a worker runs after commit.
    """
    listings_matching_changed(kind=ListingKind.ACHIEVEMENT, listing_ids=achievement_ids, published=True)
    listings_matching_changed(kind=ListingKind.DEMAND, listing_ids=demand_ids, published=True)
    return len(achievement_ids) + len(demand_ids)


def _listing_id(model: type[Achievement] | type[Demand], title: str, owners: tuple[Organization, ...]) -> int | None:
    if not title:
        return None
    pk: int = model.objects.filter(title=title, owner__in=owners).values_list("pk", flat=True).get()
    return pk


def all_contracts(*, today: date, history_months: int = HISTORY_MONTHS) -> tuple[DemoContract, ...]:
    """The hand-made contracts and the three years of history, in the order the market decided them (so
    the registration numbers it issues run with the dates)."""
    introduced = [frozenset((i.party_a, i.party_b)) for i in DEMO_INTRODUCTIONS]
    contracts = DEMO_CONTRACTS + history_contracts(today=today, months=history_months, introduced=introduced)

    def decided(demo: DemoContract) -> tuple[date, str]:
        signed_on = today - timedelta(days=demo.signed_days_ago)
        return registration_days(demo, signed_on=signed_on, today=today)[1], demo.number

    return tuple(sorted(contracts, key=decided))


def registration_days(demo: DemoContract, *, signed_on: date, today: date) -> tuple[date, date, date]:
    """(applied, decided, later event) days of a demo registration, none after ``today``."""
    applied = min(today, signed_on + timedelta(days=demo.applied_after_days))
    decided = min(today, applied + timedelta(days=demo.decided_after_days))
    return applied, decided, min(today, decided + timedelta(days=demo.event_after_days))


def _used_organization_keys(contracts: Sequence[DemoContract]) -> set[str]:
    keys = set(ACTING_PERSON)
    for contract in contracts:
        keys |= {p for p in (contract.buyer, contract.seller) if isinstance(p, str)}
    return keys
