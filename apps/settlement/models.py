"""What happens to a contract's money and technology after signing.

- Settlement (escrow-style): :class:`EscrowMilestone` (a scheduled amount the market holds until the
  buyer accepts the work) and the double-entry ledger :class:`Posting` / :class:`PostingLine`
  (deposits, releases to the seller, refunds to the buyer);
- after the deal: :class:`Implementation` (the contract's stage 小试 → 中试 → 产业化) and the buyer's
  :class:`ImplementationReport` (revenue, output value, jobs, units);
- royalties: :class:`RoyaltyTerm` (running royalty 提成), the licensee's :class:`RoyaltyReport` per
  period with the computed amount due, and :class:`RoyaltyPayment` (the contract payment that paid it);
- revenue sharing (成果转化收益分配): a university's versioned :class:`DistributionScheme` of
  :class:`DistributionShare`, and the :class:`IncomeAllocation` of each income received.

Money is Decimal yuan with two places; ledger and allocations are append-only (history by pghistory).
"""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


def _tracked() -> tuple[pghistory.RowEvent, ...]:
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


def _history() -> pghistory.ObjForeignKey:
    return pghistory.ObjForeignKey(related_name="history")


def _money(verbose_name: str | object, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, **kwargs)  # type: ignore[arg-type]


# --- settlement -------------------------------------------------------------------------------------


class EscrowStatus(models.TextChoices):
    AWAITING_FUNDS = "awaiting_funds", _("awaiting funds")
    FUNDED = "funded", _("funded")
    DISPUTED = "disputed", _("disputed")
    RELEASED = "released", _("released")
    REFUNDED = "refunded", _("refunded")


@pghistory.track(*_tracked(), obj_field=_history())
class EscrowMilestone(TimeStampedModel):
    """A milestone of a contract's settlement plan: the buyer pays it into the market's escrow account;
    the market holds it until the buyer accepts the work (release to the seller) or it is refunded."""

    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="escrow_milestones"
    )
    payment_milestone = models.OneToOneField(
        "contracts.PaymentMilestone",
        verbose_name=_("payment milestone"),
        on_delete=models.PROTECT,
        related_name="escrow",
    )
    title = models.CharField(_("title"), max_length=200)
    amount = _money(_("amount (yuan)"))
    due_on = models.DateField(_("due on"))
    acceptance_criteria = models.TextField(_("acceptance criteria"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=16, choices=EscrowStatus.choices, default=EscrowStatus.AWAITING_FUNDS, db_index=True
    )
    dispute_reason = models.CharField(_("dispute reason"), max_length=500, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("escrow milestone")
        verbose_name_plural = _("escrow milestones")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="escrow_milestone_amount_positive")]

    def __str__(self) -> str:
        return f"{self.title} {self.amount}"


class PostingKind(models.TextChoices):
    DEPOSIT = "deposit", _("deposit into escrow")
    RELEASE = "release", _("release to the seller")
    REFUND = "refund", _("refund to the buyer")


class LedgerAccount(models.TextChoices):
    BUYER_FUNDS = "buyer_funds", _("buyer funds")
    ESCROW_HELD = "escrow_held", _("held in escrow")
    SELLER_PAID = "seller_paid", _("paid to the seller")
    REFUNDED = "refunded", _("refunded to the buyer")


@pghistory.track(*_tracked(), obj_field=_history())
class Posting(models.Model):
    """One ledger transaction: its lines' debits equal its credits (see :mod:`apps.settlement.ledger`).

    A deposit carries the bank's reference, unique per contract, so a repeated notice of the same
    transfer is recognised instead of counted twice. A release records the contract payment it made.
    """

    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="postings"
    )
    milestone = models.ForeignKey(
        EscrowMilestone, verbose_name=_("escrow milestone"), on_delete=models.PROTECT, related_name="postings"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PostingKind.choices)
    amount = _money(_("amount (yuan)"))
    external_reference = models.CharField(_("external reference"), max_length=100, blank=True)
    payment = models.OneToOneField(
        "contracts.Payment",
        verbose_name=_("contract payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escrow_posting",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger posting")
        verbose_name_plural = _("ledger postings")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="posting_amount_positive"),
            models.UniqueConstraint(
                fields=["contract", "external_reference"],
                condition=~Q(external_reference=""),
                name="posting_external_reference_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind="release", payment__isnull=False) | (~Q(kind="release") & Q(payment__isnull=True)),
                name="posting_release_has_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class PostingLine(models.Model):
    """A debit or a credit of one account (exactly one of the two is more than zero)."""

    posting = models.ForeignKey(Posting, verbose_name=_("posting"), on_delete=models.PROTECT, related_name="lines")
    account = models.CharField(_("account"), max_length=16, choices=LedgerAccount.choices)
    debit = _money(_("debit (yuan)"), default=Decimal("0"))
    credit = _money(_("credit (yuan)"), default=Decimal("0"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger line")
        verbose_name_plural = _("ledger lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(debit__gt=0, credit=0) | Q(debit=0, credit__gt=0), name="posting_line_one_side"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.debit} / {self.credit}"


# --- after the deal -----------------------------------------------------------------------------------


class ImplementationStage(models.TextChoices):
    """The stages of putting a technology to work, in order (stage order is enforced)."""

    NOT_STARTED = "not_started", _("not started")
    SMALL_TRIAL = "small_trial", _("small-scale trial (小试)")
    PILOT = "pilot", _("pilot (中试)")
    INDUSTRIALISATION = "industrialisation", _("industrialisation (产业化)")


# The stages a report may be about (a report is about a stage that has started).
REPORTED_STAGES = [(s.value, s.label) for s in ImplementationStage if s != ImplementationStage.NOT_STARTED]


@pghistory.track(*_tracked(), obj_field=_history())
class Implementation(TimeStampedModel):
    """Where a contract's technology stands after the deal, as the buyer reports it."""

    contract = models.OneToOneField(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="implementation"
    )
    stage = models.CharField(
        _("stage"),
        max_length=20,
        choices=ImplementationStage.choices,
        default=ImplementationStage.NOT_STARTED,
        db_index=True,
    )
    small_trial_on = models.DateField(_("small-scale trial reached on"), null=True, blank=True)
    pilot_on = models.DateField(_("pilot reached on"), null=True, blank=True)
    industrialisation_on = models.DateField(_("industrialisation reached on"), null=True, blank=True)

    class Meta:
        verbose_name = _("implementation")
        verbose_name_plural = _("implementations")

    def __str__(self) -> str:
        return f"{self.contract_id} {self.stage}"


@pghistory.track(*_tracked(), obj_field=_history())
class ImplementationReport(TimeStampedModel):
    """The buyer's periodic report of a stage's outcomes."""

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="implementation_reports",
    )
    stage = models.CharField(_("stage"), max_length=20, choices=ImplementationStage.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    revenue = _money(_("revenue (yuan)"), default=Decimal("0"))
    output_value = _money(_("output value (yuan)"), default=Decimal("0"))
    jobs_created = models.PositiveIntegerField(_("jobs created"), default=0)
    units_produced = models.PositiveBigIntegerField(_("units produced"), default=0)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["period_start", "id"]
        verbose_name = _("implementation report")
        verbose_name_plural = _("implementation reports")
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="impl_report_period_ordered"),
            models.CheckConstraint(condition=Q(revenue__gte=0, output_value__gte=0), name="impl_report_nonnegative"),
            models.CheckConstraint(condition=~Q(stage="not_started"), name="impl_report_stage_started"),
            models.UniqueConstraint(fields=["contract", "stage", "period_start"], name="impl_report_unique_period"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.stage} {self.period_start}"


# --- royalties ------------------------------------------------------------------------------------------


class RoyaltyPeriod(models.TextChoices):
    QUARTER = "quarter", _("quarter")
    YEAR = "year", _("year")


@pghistory.track(*_tracked(), obj_field=_history())
class RoyaltyTerm(TimeStampedModel):
    """A running royalty (提成) of a licence or transfer contract: a rate of net sales and/or a fee per unit,
    with a minimum annual royalty; the licensee reports sales per period (quarters or years counted from
    ``starts_on``) and pays within ``due_days`` of the period's end."""

    contract = models.OneToOneField(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="royalty_term"
    )
    rate_percent = models.DecimalField(
        _("rate (percent of net sales)"), max_digits=6, decimal_places=3, default=Decimal("0")
    )
    per_unit_fee = _money(_("fee per unit (yuan)"), default=Decimal("0"))
    minimum_annual = _money(_("minimum annual royalty (yuan)"), default=Decimal("0"))
    period = models.CharField(_("reporting period"), max_length=8, choices=RoyaltyPeriod.choices)
    starts_on = models.DateField(_("royalty starts on"))
    due_days = models.PositiveSmallIntegerField(_("days to pay after the period"), default=30)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("royalty term")
        verbose_name_plural = _("royalty terms")
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0, rate_percent__lte=100), name="royalty_rate_percent_range"
            ),
            models.CheckConstraint(
                condition=Q(per_unit_fee__gte=0, minimum_annual__gte=0), name="royalty_amounts_nonnegative"
            ),
            models.CheckConstraint(condition=Q(rate_percent__gt=0) | Q(per_unit_fee__gt=0), name="royalty_has_basis"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.rate_percent}%"


class RoyaltyReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    DISPUTED = "disputed", _("disputed")


@pghistory.track(*_tracked(), obj_field=_history())
class RoyaltyReport(TimeStampedModel):
    """The licensee's sales report for one period and the royalty it makes due."""

    term = models.ForeignKey(
        RoyaltyTerm, verbose_name=_("royalty term"), on_delete=models.PROTECT, related_name="reports"
    )
    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="royalty_reports"
    )
    period_index = models.PositiveIntegerField(_("period number"), help_text=_("1 for the first period."))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    net_sales = _money(_("net sales (yuan)"))
    units_sold = models.PositiveBigIntegerField(_("units sold"), default=0)
    running_amount = _money(_("running royalty (yuan)"))
    minimum_top_up = _money(_("minimum royalty top-up (yuan)"), default=Decimal("0"))
    amount_due = _money(_("amount due (yuan)"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=16, choices=RoyaltyReportStatus.choices, default=RoyaltyReportStatus.SUBMITTED
    )
    dispute_reason = models.CharField(_("dispute reason"), max_length=500, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["period_index"]
        verbose_name = _("royalty report")
        verbose_name_plural = _("royalty reports")
        constraints = [
            models.UniqueConstraint(fields=["term", "period_index"], name="royalty_report_unique_period"),
            models.CheckConstraint(condition=Q(net_sales__gte=0), name="royalty_report_sales_nonnegative"),
            models.CheckConstraint(
                condition=Q(amount_due=F("running_amount") + F("minimum_top_up")), name="royalty_report_due_derived"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} #{self.period_index} {self.amount_due}"


@pghistory.track(*_tracked(), obj_field=_history())
class RoyaltyPayment(models.Model):
    """A contract payment made against a royalty report."""

    report = models.ForeignKey(
        RoyaltyReport, verbose_name=_("royalty report"), on_delete=models.PROTECT, related_name="payments"
    )
    payment = models.OneToOneField(
        "contracts.Payment", verbose_name=_("contract payment"), on_delete=models.PROTECT, related_name="royalty"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("royalty payment")
        verbose_name_plural = _("royalty payments")

    def __str__(self) -> str:
        return f"{self.report_id} ← {self.payment_id}"


# --- revenue sharing -------------------------------------------------------------------------------------


class BeneficiaryKind(models.TextChoices):
    RESEARCHER = "researcher", _("researcher")
    DEPARTMENT = "department", _("department")
    INSTITUTION = "institution", _("institution")


@pghistory.track(*_tracked(), obj_field=_history())
class DistributionScheme(TimeStampedModel):
    """A university's or institute's way of sharing transfer income (成果转化收益分配), one version.

    A later version replaces an earlier one from its ``effective_from``; an income is split under the
    version in force on the day it was received. ``min_researcher_percent`` is the policy floor for the
    researchers' total (e.g. 70%), data of the scheme, not code.
    """

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="distribution_schemes",
    )
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    effective_from = models.DateField(_("effective from"))
    min_researcher_percent = models.DecimalField(
        _("minimum researchers' share (%)"), max_digits=5, decimal_places=2, default=Decimal("70")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization_id", "-effective_from", "-version"]
        verbose_name = _("income distribution scheme")
        verbose_name_plural = _("income distribution schemes")
        constraints = [
            models.UniqueConstraint(fields=["organization", "version"], name="distribution_scheme_version_unique"),
            models.UniqueConstraint(
                fields=["organization", "effective_from"], name="distribution_scheme_effective_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


@pghistory.track(*_tracked(), obj_field=_history())
class DistributionShare(models.Model):
    """One beneficiary's percentage in a scheme (a scheme's shares add up to 100)."""

    scheme = models.ForeignKey(
        DistributionScheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="shares"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=BeneficiaryKind.choices)
    name = models.CharField(_("beneficiary"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="income_shares",
    )
    percent = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["id"]
        verbose_name = _("income share")
        verbose_name_plural = _("income shares")
        constraints = [
            models.CheckConstraint(condition=Q(percent__gt=0, percent__lte=100), name="distribution_share_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.percent}%"


class IncomeSource(models.TextChoices):
    TRANSFER_PRICE = "transfer_price", _("transfer or licence price")
    ROYALTY = "royalty", _("royalty")


@pghistory.track(*_tracked(), obj_field=_history())
class IncomeAllocation(models.Model):
    """One beneficiary's part of one income received (a contract payment to the organisation).

    The beneficiary's name, kind and percentage are copied from the share, so a later scheme version
    does not change what was allocated. A payment's allocations add up to its amount to the fen.
    """

    payment = models.ForeignKey(
        "contracts.Payment", verbose_name=_("contract payment"), on_delete=models.PROTECT, related_name="allocations"
    )
    scheme = models.ForeignKey(
        DistributionScheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="allocations"
    )
    share = models.ForeignKey(
        DistributionShare, verbose_name=_("share"), on_delete=models.PROTECT, related_name="allocations"
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=16, choices=IncomeSource.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=BeneficiaryKind.choices)
    name = models.CharField(_("beneficiary"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    percent = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2)
    amount = _money(_("amount (yuan)"))
    received_on = models.DateField(_("received on"), db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["received_on", "id"]
        verbose_name = _("income allocation")
        verbose_name_plural = _("income allocations")
        constraints = [
            models.UniqueConstraint(fields=["payment", "share"], name="income_allocation_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="income_allocation_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.amount}"
