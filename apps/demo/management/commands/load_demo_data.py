"""``manage.py load_demo_data``: a fictional Liuzhou technology market, for demos.

Organisations, their people and published listings, then the market around them
(:mod:`apps.demo.market`): verified brokers and their introductions, deals at every stage,
contracts of every type with payments and registrations (three years of them, dated as they happened,
folded into the statistics at once), IP custody with annuities, a pledge and the reminders due today.

Idempotent: rows are looked up by natural keys (credit code, e-mail, title, contract number …); a
second run creates nothing and says so. Existing rows are never changed, so a demo someone has been
clicking through keeps its state.

Organisations, users and memberships are written directly rather than through
``organization_create`` / ``organization_verify``: those services notify the operator and e-mail
admins, which for a seed script would only queue two dozen pointless messages. Every row still
passes ``full_clean()``. The market is made through the services (:mod:`apps.demo.market_loader`),
so its events, history, derived amounts and notifications are the real ones. Listings are published
without the review services, so matching is told about them here, in bulk.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.history import history_context
from apps.demo.accounts import DEMO_PASSWORD
from apps.demo.asean import load_asean
from apps.demo.data import DEMO_ORGANIZATIONS, DEMO_PEOPLE, OPERATOR_KEY, DemoOrganization, DemoPerson
from apps.demo.history import HISTORY_MONTHS
from apps.demo.listings import DEMO_ACHIEVEMENTS, DEMO_DEMANDS, DemoAchievement, DemoDemand
from apps.demo.market_loader import MarketLoader, notify_matching
from apps.demo.network import load_network
from apps.demo.trading import load_trading
from apps.listings.models import Achievement, Demand, ListingEvent, ListingStatus
from apps.listings.services import achievement_build, demand_build
from apps.organizations.models import Membership, MembershipRole, Organization, VerificationStatus
from apps.reference.models import EntityType, Industry, Region


class Command(BaseCommand):
    help = "Load fictional Liuzhou demo organisations and users (all share one password). Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG off. Demo accounts share a published password: never use in production.",
        )
        parser.add_argument(
            "--history-months",
            type=int,
            default=None,
            choices=range(HISTORY_MONTHS + 1),
            metavar=f"0..{HISTORY_MONTHS}",
            help="Months of registered contracts behind the demo market (default: the DEMO_HISTORY_MONTHS "
            f"setting, {HISTORY_MONTHS}); 0 loads only the hand-made market.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: every demo account shares a published password. "
                "Pass --force if this really is a demo or test installation."
            )
        self.verbosity = options["verbosity"]
        self.created = dict.fromkeys(
            (
                "organisation",
                "user",
                "membership",
                "listing",
                "matching",
                "broker",
                "introduction",
                "deal",
                "contract",
                "negotiation thread",
                "signed contract document",
                "IP asset",
                "custody agreement",
                "pledge",
                "finance",
                "sale",
                "after-deal story",
                "statistics fold",
                "annuity reminder",
                "subsidy round",
                "market",
                "expert",
                "event",
                "event deal",
            ),
            0,
        )
        self._password_hash = ""
        self._check_reference_data()

        with transaction.atomic(), history_context(command="load_demo_data"):
            self._heading("Users")
            users = {person.email: self._user(person) for person in DEMO_PEOPLE}
            # The operator's admin is recorded as the one who verified the demo organisations.
            verifier = next(
                users[p.email]
                for p in DEMO_PEOPLE
                if p.organization_key == OPERATOR_KEY and p.role == MembershipRole.ADMIN
            )
            self._heading("Organisations")
            organizations = {org.key: self._organization(org, verifier=verifier) for org in DEMO_ORGANIZATIONS}
            self._heading("Memberships")
            for person in DEMO_PEOPLE:
                self._membership(users[person.email], organizations[person.organization_key], person.role)
            self._heading("Listings")
            achievement_ids = [
                self._achievement(achievement, organizations[achievement.owner_key], reviewer=verifier)
                for achievement in DEMO_ACHIEVEMENTS
            ]
            demand_ids = [
                self._demand(demand, organizations[demand.owner_key], reviewer=verifier) for demand in DEMO_DEMANDS
            ]
            self._heading("ASEAN enterprises")
            achievement_ids += load_asean(reviewer=verifier, progress=self._progress)
            self.created["matching"] = notify_matching(
                achievement_ids=[pk for pk in achievement_ids if pk is not None],
                demand_ids=[pk for pk in demand_ids if pk is not None],
            )
            history = options["history_months"]
            MarketLoader(
                progress=self._progress,
                heading=self._heading,
                warn=self._warn,
                history_months=settings.DEMO_HISTORY_MONTHS if history is None else history,
            ).load()
            self._heading("Trading")
            load_trading(progress=self._progress, warn=self._warn)
            load_network(operator=verifier, progress=self._progress, heading=self._heading)

        if self.verbosity < 1:
            return
        if any(self.created.values()):
            summary = ", ".join(
                f"{n} listing(s) sent to matching" if kind == "matching" else f"{n} {kind}(s)"
                for kind, n in self.created.items()
            )
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: created {summary}."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo data already present: nothing changed."))

    def _check_reference_data(self) -> None:
        regions = {org.region_code for org in DEMO_ORGANIZATIONS}
        entity_types = {org.entity_type_code for org in DEMO_ORGANIZATIONS}
        missing = sorted(regions - set(Region.objects.filter(pk__in=regions).values_list("pk", flat=True)))
        missing += sorted(
            entity_types - set(EntityType.objects.filter(pk__in=entity_types).values_list("pk", flat=True))
        )
        if missing:
            raise CommandError(
                f"Reference data is missing (region / entity type codes: {', '.join(missing)}). Run migrate first."
            )

    def _heading(self, text: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(text)

    def _warn(self, text: str) -> None:
        self.stderr.write(self.style.WARNING(text))

    def _progress(self, kind: str, label: str, *, created: bool, count: int = 1) -> None:
        if created:
            self.created[kind] += count
        if self.verbosity >= 1:
            state = self.style.SUCCESS("created") if created else "exists "
            self.stdout.write(f"  {state}  {label}")

    def _user(self, person: DemoPerson) -> User:
        user = User.objects.filter(email=person.email).first()
        created = user is None
        if user is None:
            user = User(
                email=person.email,
                name=person.name,
                is_staff=person.is_superuser,
                is_superuser=person.is_superuser,
            )
            # One hash for all: every demo account has the same published password, and hashing it anew
            # for each user was most of the loader's time.
            if not self._password_hash:
                self._password_hash = make_password(DEMO_PASSWORD)
            user.password = self._password_hash
            user.full_clean()
            user.save()
        self._progress("user", f"{person.email} {person.name}", created=created)
        return user

    def _organization(self, demo: DemoOrganization, *, verifier: User) -> Organization:
        organization = Organization.objects.filter(credit_code=demo.credit_code).first()
        created = organization is None
        if organization is None:
            organization = Organization(
                name=demo.name,
                short_name=demo.short_name,
                name_en=demo.name_en,
                type=demo.type,
                credit_code=demo.credit_code,
                region_id=demo.region_code,
                entity_type_id=demo.entity_type_code,
                address=demo.address,
                description=demo.description,
                verification_status=VerificationStatus.VERIFIED if demo.verified else VerificationStatus.PENDING,
                verified_at=timezone.now() if demo.verified else None,
                verified_by=verifier if demo.verified else None,
            )
            organization.full_clean()
            organization.save()
        status = "" if demo.verified else " (pending verification)"
        self._progress("organisation", f"{demo.credit_code} {demo.name}{status}", created=created)
        return organization

    def _achievement(self, demo: DemoAchievement, owner: Organization, *, reviewer: User) -> int | None:
        """The new achievement's id, or None when it was there already."""
        created = not Achievement.objects.filter(owner=owner, title=demo.title).exists()
        pk = None
        if created:
            achievement = achievement_build(
                actor=None,
                owner=owner,
                data={
                    "language": demo.language,
                    "title": demo.title,
                    "translated_title": demo.translated_title,
                    "summary": demo.summary,
                    "technology_field": demo.technology_field,
                    "keywords": list(demo.keywords),
                    "trl": demo.trl,
                    "cooperation_modes": list(demo.cooperation_modes),
                    "price_type": demo.price_type,
                    "price_min": Decimal(demo.price_min) if demo.price_min else None,
                    "price_max": Decimal(demo.price_max) if demo.price_max else None,
                    "confidential_detail": demo.confidential_detail,
                    "contact_name": "示例联系人",
                },
            )
            self._publish(achievement, reviewer=reviewer)
            achievement.industries.set(Industry.objects.filter(code__in=demo.industries))
            pk = achievement.pk
        self._progress("listing", f"成果 {demo.title}", created=created)
        return pk

    def _demand(self, demo: DemoDemand, owner: Organization, *, reviewer: User) -> int | None:
        """The new demand's id, or None when it was there already."""
        created = not Demand.objects.filter(owner=owner, title=demo.title).exists()
        pk = None
        if created:
            demand = demand_build(
                actor=None,
                owner=owner,
                data={
                    "title": demo.title,
                    "description": demo.description,
                    "technology_field": demo.technology_field,
                    "industry": demo.industry,
                    "keywords": list(demo.keywords),
                    "cooperation_modes": list(demo.cooperation_modes),
                    "budget_min": Decimal(demo.budget_min) if demo.budget_min else None,
                    "budget_max": Decimal(demo.budget_max) if demo.budget_max else None,
                    "deadline": timezone.localdate() + timedelta(days=demo.days_to_deadline),
                    "wanted_stage": demo.wanted_stage,
                    "confidential_detail": demo.confidential_detail,
                    "contact_name": "示例联系人",
                },
            )
            self._publish(demand, reviewer=reviewer)
            pk = demand.pk
        self._progress("listing", f"需求 {demo.title}", created=created)
        return pk

    def _publish(self, listing: Achievement | Demand, *, reviewer: User) -> None:
        """Stored as published, with the review history a real listing would have."""
        now = timezone.now()
        listing.status = ListingStatus.PUBLISHED
        listing.submitted_at = listing.published_at = listing.reviewed_at = now
        listing.reviewed_by = reviewer
        if isinstance(listing, Achievement):
            listing.expires_on = timezone.localdate() + timedelta(days=settings.LISTING_DEFAULT_VALIDITY_DAYS)
        listing.save()
        link = {"achievement" if isinstance(listing, Achievement) else "demand": listing}
        ListingEvent.objects.bulk_create(
            [
                ListingEvent(**link, from_status="", to_status=ListingStatus.DRAFT),
                ListingEvent(**link, from_status=ListingStatus.DRAFT, to_status=ListingStatus.SUBMITTED),
                ListingEvent(
                    **link, from_status=ListingStatus.SUBMITTED, to_status=ListingStatus.PUBLISHED, actor=reviewer
                ),
            ]
        )

    def _membership(self, user: User, organization: Organization, role: str) -> Membership:
        membership = Membership.objects.filter(user=user, organization=organization).first()
        created = membership is None
        if membership is None:
            membership = Membership(user=user, organization=organization, role=role)
            membership.full_clean()
            membership.save()
        self._progress(
            "membership", f"{user.email} → {organization.short_name or organization.name} ({role})", created=created
        )
        return membership
