"""Technology contracts (技术合同), their money, and their registration (技术合同认定登记).

- :class:`Contract`: type and subtype (with the derived legacy class), both parties with the region,
  country and entity type snapshotted at signing, the contract amount, the itemised non-technical
  :class:`Deduction` lines and the technology transaction amount derived from them;
- :class:`PaymentMilestone` (what is due when) and :class:`Payment` (what was paid);
- :class:`Registration`: the operator's recognition of a contract, decided within a deadline counted
  in working days on the :class:`WorkingDayException` calendar under a versioned :class:`RuleSet`;
  :class:`RegistrationEvent` keeps every registration event (registered, change, termination,
  annulment, correction …) with the recognised amounts that resulted, for the statistics to fold;
- :class:`BypassAlert`: the same parties signed without the broker who introduced them.

Every change to contracts, deductions, milestones, payments and registrations is kept by
trigger-based history (django-pghistory), bulk and queryset updates included.
"""

from __future__ import annotations

from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.contracts.catalogue import (
    CHINA,
    LEGACY_CLASS_BY_TYPE,
    SUBTYPES_BY_TYPE,
    ContractSubtype,
    ContractType,
    DeductionKind,
    IPType,
    LegacyClass,
    ProgrammeClass,
)
from apps.core.models import TimeStampedModel


def _tracked() -> tuple[pghistory.RowEvent, ...]:
    """Fresh trackers per model (a tracker instance binds to the model it is registered on)."""
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


def _history() -> pghistory.ObjForeignKey:
    # ``<obj>.history`` reads the trail; the default name ("events") is a domain word here.
    return pghistory.ObjForeignKey(related_name="history")


def _money(verbose_name: str | object, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, **kwargs)  # type: ignore[arg-type]


def _legacy_class_consistent() -> Q:
    condition = Q()
    for contract_type, legacy in LEGACY_CLASS_BY_TYPE.items():
        condition |= Q(type=contract_type, legacy_class=legacy)
    return condition


def _subtype_consistent() -> Q:
    condition = Q()
    for contract_type, subtypes in SUBTYPES_BY_TYPE.items():
        condition |= Q(type=contract_type, subtype__in=list(subtypes))
    return condition


def _party_location(role: str) -> Q:
    """A domestic party (China, incl. HK/Macao/Taiwan regions) has a region; a party abroad has none."""
    return Q(**{f"{role}_country": CHINA, f"{role}_region__isnull": False}) | (
        ~Q(**{f"{role}_country": CHINA}) & Q(**{f"{role}_region__isnull": True})
    )


@pghistory.track(*_tracked(), obj_field=_history())
class Contract(TimeStampedModel):
    """A signed technology contract between a buyer and a seller.

    A party on the platform is an organisation (``buyer``/``seller``); a party abroad may be named only
    (no organisation, ``*_country`` not China). The registrant must be on the platform: the seller, or
    the domestic buyer of an import contract (seller abroad, buyer in China). Region, country and
    entity type are snapshotted when the contract is recorded, so later edits of an organisation do
    not move past statistics. ``version`` rises by one on every change (``ETag``/``If-Match``).
    """

    title = models.CharField(_("title"), max_length=200)
    contract_number = models.CharField(
        _("contract number"), max_length=64, blank=True, help_text=_("The parties' own number for the contract.")
    )
    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("deal"), null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    type = models.CharField(_("type"), max_length=16, choices=ContractType.choices, db_index=True)
    subtype = models.CharField(_("subtype"), max_length=40, choices=ContractSubtype.choices)
    legacy_class = models.CharField(
        _("legacy class"),
        max_length=16,
        choices=LegacyClass.choices,
        db_index=True,
        help_text=_("The four classes of national reports; derived from the type."),
    )

    buyer = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("buyer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts_bought",
    )
    buyer_name = models.CharField(_("buyer name"), max_length=200)
    buyer_country = models.ForeignKey(
        "reference.Country", verbose_name=_("buyer country"), on_delete=models.PROTECT, related_name="+"
    )
    buyer_region = models.ForeignKey(
        "reference.Region",
        verbose_name=_("buyer region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    buyer_entity_type = models.ForeignKey(
        "reference.EntityType", verbose_name=_("buyer entity type"), on_delete=models.PROTECT, related_name="+"
    )
    seller = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("seller"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts_sold",
    )
    seller_name = models.CharField(_("seller name"), max_length=200)
    seller_country = models.ForeignKey(
        "reference.Country", verbose_name=_("seller country"), on_delete=models.PROTECT, related_name="+"
    )
    seller_region = models.ForeignKey(
        "reference.Region",
        verbose_name=_("seller region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    seller_entity_type = models.ForeignKey(
        "reference.EntityType", verbose_name=_("seller entity type"), on_delete=models.PROTECT, related_name="+"
    )
    # The market of the network the contract belongs to (its statistics scope, its registration queue): the
    # market serving the registrant's region (the seller, or the domestic buyer of an import contract).
    market = models.ForeignKey(
        "markets.Market", verbose_name=_("market"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_import = models.BooleanField(
        _("technology import"), default=False, help_text=_("Seller abroad, buyer in China: the buyer registers.")
    )

    ip_type = models.CharField(_("IP type"), max_length=24, choices=IPType.choices)
    ip_assets = models.ManyToManyField(
        "ip.IPAsset",
        verbose_name=_("IP assets"),
        blank=True,
        related_name="contracts",
        help_text=_("The patents and other rights the contract transfers or licenses (its subject)."),
    )
    technology_field = models.ForeignKey(
        "reference.TechnologyField", verbose_name=_("technology field"), on_delete=models.PROTECT, related_name="+"
    )
    programme_class = models.CharField(
        _("programme class"), max_length=16, choices=ProgrammeClass.choices, default=ProgrammeClass.NONE
    )
    signed_on = models.DateField(_("signed on"), db_index=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    contract_amount = _money(_("contract amount (yuan)"))
    deductions_total = _money(_("non-technical deductions (yuan)"), default=Decimal("0"))
    technology_amount = _money(
        _("technology transaction amount (yuan)"), help_text=_("Contract amount minus the non-technical deductions.")
    )

    document = models.FileField(_("signed document"), upload_to="contracts/%Y/%m/", blank=True)
    document_name = models.CharField(_("document name"), max_length=255, blank=True)
    document_content_type = models.CharField(_("document content type"), max_length=128, blank=True)
    document_size = models.PositiveBigIntegerField(_("document size"), default=0)
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64, blank=True)

    # An integrator's own id for the contract, unique per organisation that gave it (a party of the contract).
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="")
    external_owner = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("external id given by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("technology contract")
        verbose_name_plural = _("technology contracts")
        constraints = [
            models.UniqueConstraint(
                fields=["external_owner", "external_id"],
                condition=~Q(external_id=""),
                name="contract_external_id_unique",
            ),
            models.CheckConstraint(condition=Q(contract_amount__gt=0), name="contract_amount_positive"),
            models.CheckConstraint(condition=Q(deductions_total__gte=0), name="contract_deductions_nonnegative"),
            models.CheckConstraint(
                condition=Q(technology_amount__gte=0, technology_amount__lte=F("contract_amount")),
                name="contract_technology_amount_range",
            ),
            models.CheckConstraint(
                condition=Q(technology_amount=F("contract_amount") - F("deductions_total")),
                name="contract_technology_amount_derived",
            ),
            models.CheckConstraint(condition=_legacy_class_consistent(), name="contract_legacy_class_derived"),
            models.CheckConstraint(condition=_subtype_consistent(), name="contract_subtype_fits_type"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="contract_validity_ordered",
            ),
            models.CheckConstraint(condition=_party_location("buyer"), name="contract_buyer_location"),
            models.CheckConstraint(condition=_party_location("seller"), name="contract_seller_location"),
            models.CheckConstraint(
                condition=(
                    Q(is_import=True, buyer_country=CHINA) & ~Q(seller_country=CHINA)
                    | Q(is_import=False) & (Q(seller_country=CHINA) | ~Q(buyer_country=CHINA))
                ),
                name="contract_import_flag_derived",
            ),
            models.CheckConstraint(
                condition=Q(is_import=False, seller__isnull=False) | Q(is_import=True, buyer__isnull=False),
                name="contract_registrant_on_platform",
            ),
            models.CheckConstraint(
                condition=Q(buyer__isnull=True) | Q(seller__isnull=True) | ~Q(buyer=F("seller")),
                name="contract_distinct_parties",
            ),
        ]
        indexes = [
            models.Index(fields=["buyer", "seller"], name="contract_parties_idx"),
            models.Index(fields=["seller"], name="contract_seller_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def registrant_id(self) -> int | None:
        """The organisation that applies for registration: the seller, or the buyer of an import contract."""
        return self.buyer_id if self.is_import else self.seller_id


@pghistory.track(*_tracked(), obj_field=_history())
class Deduction(TimeStampedModel):
    """One non-technical cost (equipment, instruments, parts, raw materials …) inside the contract amount."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="deductions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DeductionKind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    amount = _money(_("amount (yuan)"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("non-technical deduction")
        verbose_name_plural = _("non-technical deductions")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="deduction_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


@pghistory.track(*_tracked(), obj_field=_history())
class PaymentMilestone(TimeStampedModel):
    """A payment the contract schedules: an amount due by a date."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    amount = _money(_("amount (yuan)"))

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("payment milestone")
        verbose_name_plural = _("payment milestones")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_milestone_amount_positive")]

    def __str__(self) -> str:
        return f"{self.title} {self.due_on} {self.amount}"


@pghistory.track(*_tracked(), obj_field=_history())
class Payment(TimeStampedModel):
    """Money received under the contract (the sum never exceeds the contract amount)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="payments"
    )
    milestone = models.ForeignKey(
        PaymentMilestone,
        verbose_name=_("milestone"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments",
    )
    amount = _money(_("amount (yuan)"))
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("reference"), max_length=100, blank=True, help_text=_("Bank transfer reference."))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="contract_payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount}"


@pghistory.track(*_tracked(), obj_field=_history())
class WorkingDayException(models.Model):
    """A day that breaks the Monday-to-Friday rule: a public holiday on a weekday, or a make-up working
    weekend day (调休). Loaded from the State Council's yearly notice; the operator adds new years here."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=64, help_text=_("e.g. 国庆节, 国庆节调休上班"))

    class Meta:
        ordering = ["date"]
        verbose_name = _("working-day calendar exception")
        verbose_name_plural = _("working-day calendar exceptions")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


@pghistory.track(*_tracked(), obj_field=_history())
class RuleSet(models.Model):
    """A version of the registration rules (认定登记规则), in force from ``effective_from``.

    The processing deadline is data: ``standard_days`` working days, ``extended_days`` when the
    technology amount is at least ``extended_threshold`` yuan (expert review).
    """

    version = models.CharField(_("version"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200)
    effective_from = models.DateField(_("effective from"), unique=True)
    standard_days = models.PositiveSmallIntegerField(_("working days to decide"), default=15)
    extended_days = models.PositiveSmallIntegerField(_("working days to decide (expert review)"), default=30)
    extended_threshold = _money(_("expert review from technology amount (yuan)"), default=Decimal("5000000"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("registration rule set")
        verbose_name_plural = _("registration rule sets")
        constraints = [
            models.CheckConstraint(
                condition=Q(standard_days__gt=0, extended_days__gte=F("standard_days")), name="ruleset_days_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.name}"

    def working_days_for(self, technology_amount: Decimal) -> int:
        return self.extended_days if technology_amount >= self.extended_threshold else self.standard_days


class RegistrationStatus(models.TextChoices):
    APPLIED = "applied", _("applied")
    CORRECTION_REQUESTED = "correction_requested", _("correction requested")
    REGISTERED = "registered", _("registered")
    REFUSED = "refused", _("refused")
    TERMINATED = "terminated", _("terminated")
    ANNULLED = "annulled", _("annulled")


# Statuses that hold the contract's one registration (a refused application leaves room for a new one).
ACTIVE_REGISTRATION_STATUSES = (
    RegistrationStatus.APPLIED,
    RegistrationStatus.CORRECTION_REQUESTED,
    RegistrationStatus.REGISTERED,
    RegistrationStatus.TERMINATED,
    RegistrationStatus.ANNULLED,
)
RECOGNISED_STATUSES = (RegistrationStatus.REGISTERED, RegistrationStatus.TERMINATED, RegistrationStatus.ANNULLED)


class RefusalGround(models.TextChoices):
    """Why a contract is not registered (DOMAIN.md, Registration)."""

    PARTIES_UNCLEAR = "parties_unclear", _("the parties are unclear")
    SUBJECT_UNCLEAR = "subject_unclear", _("the subject is unclear")
    PRICE_UNCLEAR = "price_unclear", _("the price is unclear")
    MONOPOLY_OR_INFRINGING_CLAUSES = (
        "monopoly_or_infringing_clauses",
        _("monopoly clauses or clauses infringing others' results"),
    )
    PROOFS_MISSING = "proofs_missing", _("required proofs are missing")
    NAME_SEAL_MISMATCH = "name_seal_mismatch", _("the organisation's name does not match its seal")


@pghistory.track(*_tracked(), obj_field=_history(), model_name="RegistrationHistoryEvent")
class Registration(TimeStampedModel):
    """One application to register a contract, and what the operator decided.

    The clock starts on ``clock_started_on`` (the application, or the resubmission after a correction
    request) and ``deadline`` is that many working days later under ``rule_set``.
    ``deadline_provisional`` is set when the deadline reaches into a year whose holidays are not yet in
    the calendar. The recognised amounts may differ from the declared ones; after registration, change,
    termination and annulment events update them (each event keeps the amounts that resulted).
    """

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="registrations"
    )
    applicant = models.ForeignKey(
        "organizations.Organization", verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+"
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applied by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.APPLIED,
        db_index=True,
    )
    rule_set = models.ForeignKey(RuleSet, verbose_name=_("rule set"), on_delete=models.PROTECT, related_name="+")
    declared_contract_amount = _money(_("declared contract amount (yuan)"))
    declared_technology_amount = _money(_("declared technology amount (yuan)"))
    applied_at = models.DateTimeField(_("applied at"))
    clock_started_on = models.DateField(_("clock started on"))
    working_days = models.PositiveSmallIntegerField(_("working days to decide"))
    deadline = models.DateField(_("decision deadline"), db_index=True)
    deadline_provisional = models.BooleanField(
        _("deadline provisional"), default=False, help_text=_("The calendar lacks a year the deadline reaches into.")
    )
    overdue_notified_at = models.DateTimeField(
        _("operator told it is overdue at"), null=True, blank=True, help_text=_("Set once by the daily overdue check.")
    )

    registration_number = models.CharField(_("registration number"), max_length=16, null=True, blank=True)
    recognised_contract_amount = _money(_("recognised contract amount (yuan)"), null=True, blank=True)
    recognised_technology_amount = _money(_("recognised technology amount (yuan)"), null=True, blank=True)
    refusal_ground = models.CharField(_("refusal ground"), max_length=40, choices=RefusalGround.choices, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=2000, blank=True)
    correction_note = models.CharField(_("correction requested"), max_length=2000, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("contract registration")
        verbose_name_plural = _("contract registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["contract"],
                condition=Q(status__in=[s.value for s in ACTIVE_REGISTRATION_STATUSES]),
                name="registration_one_per_contract",
            ),
            models.UniqueConstraint(fields=["registration_number"], name="registration_number_unique"),
            models.CheckConstraint(
                condition=Q(registration_number__isnull=True) | Q(registration_number__regex=r"^[0-9]{14,16}$"),
                name="registration_number_digits",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[s.value for s in RECOGNISED_STATUSES])
                | Q(
                    registration_number__isnull=False,
                    recognised_contract_amount__isnull=False,
                    recognised_technology_amount__isnull=False,
                ),
                name="registration_recognised_complete",
            ),
            models.CheckConstraint(
                condition=Q(recognised_technology_amount__isnull=True)
                | Q(
                    recognised_technology_amount__gte=0,
                    recognised_technology_amount__lte=F("recognised_contract_amount"),
                ),
                name="registration_recognised_amounts_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status=RegistrationStatus.REFUSED) | ~Q(refusal_ground=""),
                name="registration_refusal_has_ground",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="registration_queue_idx"),
        ]

    def __str__(self) -> str:
        return self.registration_number or f"{self.contract_id} ({self.get_status_display()})"


class RegistrationEventKind(models.TextChoices):
    APPLIED = "applied", _("applied")
    CORRECTION = "correction", _("correction requested")
    RESUBMITTED = "resubmitted", _("resubmitted")
    REFUSED = "refused", _("refused")
    REGISTERED = "registered", _("registered")
    CHANGE = "change", _("change")
    TERMINATION = "termination", _("termination")
    ANNULMENT = "annulment", _("annulment")
    # The operator corrects the recognised amounts; statistics count the correction in the month of the
    # registration, the period the amounts belong to.
    AMOUNT_CORRECTION = "amount_correction", _("amount correction")


# The events that move the recognised amounts (and so the statistics).
AMOUNT_EVENT_KINDS = (
    RegistrationEventKind.REGISTERED,
    RegistrationEventKind.CHANGE,
    RegistrationEventKind.TERMINATION,
    RegistrationEventKind.ANNULMENT,
    RegistrationEventKind.AMOUNT_CORRECTION,
)


@pghistory.track(*_tracked(), obj_field=_history(), model_name="RegistrationEventHistoryEvent")
class RegistrationEvent(models.Model):
    """One event of a registration, in order.

    For the events in :data:`AMOUNT_EVENT_KINDS`, ``contract_amount``/``technology_amount`` are the
    recognised amounts after the event and the ``*_delta`` fields the change it made, so statistics
    can either take the latest amounts as of a date or sum the deltas by ``effective_on`` (an annulment
    brings both to zero). Other events carry no amounts.
    """

    registration = models.ForeignKey(
        Registration, verbose_name=_("registration"), on_delete=models.PROTECT, related_name="events"
    )
    # The registration's contract, repeated so statistics and the contract's history reach events directly.
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="registration_events"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=RegistrationEventKind.choices, db_index=True)
    effective_on = models.DateField(_("effective on"), db_index=True)
    contract_amount = _money(_("recognised contract amount after (yuan)"), null=True, blank=True)
    technology_amount = _money(_("recognised technology amount after (yuan)"), null=True, blank=True)
    contract_amount_delta = _money(_("contract amount change (yuan)"), null=True, blank=True)
    technology_amount_delta = _money(_("technology amount change (yuan)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=2000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("registration event")
        verbose_name_plural = _("registration events")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind__in=[k.value for k in AMOUNT_EVENT_KINDS],
                        contract_amount__isnull=False,
                        technology_amount__isnull=False,
                        contract_amount_delta__isnull=False,
                        technology_amount_delta__isnull=False,
                    )
                    | (
                        ~Q(kind__in=[k.value for k in AMOUNT_EVENT_KINDS])
                        & Q(contract_amount__isnull=True, technology_amount__isnull=True)
                    )
                ),
                name="registration_event_amounts_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(technology_amount__isnull=True)
                | Q(technology_amount__gte=0, technology_amount__lte=F("contract_amount")),
                name="registration_event_amounts_ordered",
            ),
            # A contract is registered and annulled at most once (its one registration); the statistics
            # rely on it.
            models.UniqueConstraint(
                fields=["contract"], condition=Q(kind="registered"), name="registration_event_registered_once"
            ),
            models.UniqueConstraint(
                fields=["contract"], condition=Q(kind="annulment"), name="registration_event_annulled_once"
            ),
        ]
        indexes = [models.Index(fields=["registration", "id"], name="registration_event_order_idx")]

    def __str__(self) -> str:
        return f"{self.registration_id} {self.kind} {self.effective_on}"


class BypassAlert(models.Model):
    """The parties a broker introduced signed a contract without that broker, within the window.

    One row per (contract, introduction): the alert is raised once, however often the check runs.
    """

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="bypass_alerts"
    )
    introduction = models.ForeignKey(
        "brokers.Introduction", verbose_name=_("introduction"), on_delete=models.PROTECT, related_name="+"
    )
    broker = models.ForeignKey(
        "brokers.Broker", verbose_name=_("broker"), on_delete=models.PROTECT, related_name="bypass_alerts"
    )
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("broker bypass alert")
        verbose_name_plural = _("broker bypass alerts")
        constraints = [
            models.UniqueConstraint(fields=["contract", "introduction"], name="bypass_alert_once"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} / {self.introduction_id}"


class ContractDocumentStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SIGNING = "signing", _("being signed")
    SIGNED = "signed", _("signed")
    SUPERSEDED = "superseded", _("superseded")


class ContractDocument(TimeStampedModel):
    """One version of a contract's written text, drafted from the model text of its type, as a PDF.

    A draft's clauses may be changed (``overrides`` of the template's clauses, re-rendered each time).
    The first signature freezes the version; once every party on the platform has signed, it is
    ``signed`` and the database refuses to change or delete it. Any change after that is a new version
    (``number`` + 1): earlier versions and their signatures stay as they were.
    """

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="document_versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=12, choices=ContractDocumentStatus.choices, default=ContractDocumentStatus.DRAFT
    )
    template = models.CharField(_("model text"), max_length=40)
    overrides = models.JSONField(_("clause overrides"), default=dict, blank=True)
    clauses = models.JSONField(_("clauses"), default=list)
    pdf = models.FileField(_("PDF"), upload_to="contracts/documents/%Y/%m/")
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64)
    pdf_size = models.PositiveIntegerField(_("PDF size"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed by all at"), null=True, blank=True)

    class Meta:
        ordering = ["contract", "number"]
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="contract_document_unique_number"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="contract_document_signed_immutable",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="signed"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} v{self.number} ({self.status})"


class ContractSignature(models.Model):
    """One party's electronic signature of one document version: who signed, for whom, when, and the
    SHA-256 of the PDF they signed. Append-only (the database refuses UPDATE and DELETE)."""

    document = models.ForeignKey(
        ContractDocument, verbose_name=_("document"), on_delete=models.PROTECT, related_name="signatures"
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("party"), max_length=8)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signer"), on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed at"))
    document_sha256 = models.CharField(_("signed document SHA-256"), max_length=64)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)

    class Meta:
        ordering = ["document", "signed_at"]
        verbose_name = _("contract signature")
        verbose_name_plural = _("contract signatures")
        constraints = [
            models.UniqueConstraint(fields=["document", "organization"], name="contract_signature_once_per_party"),
        ]
        triggers = [
            pgtrigger.Protect(name="contract_signature_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} {self.role} {self.signer_id}"
