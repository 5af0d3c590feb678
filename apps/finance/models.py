"""Technology finance (科技金融): institutions' products, enterprises' financing requests, applications,
and the city's risk compensation pool (风险补偿资金池) with its ledger."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


def _money(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, **kwargs)


def _rate(verbose_name: Any) -> models.DecimalField:
    # Annual rate in percent, e.g. 3.450 (% p.a.).
    return models.DecimalField(verbose_name, max_digits=6, decimal_places=3)


class ProductKind(models.TextChoices):
    SCI_TECH_LOAN = "sci_tech_loan", _("sci-tech loan")
    IP_PLEDGE_LOAN = "ip_pledge_loan", _("IP pledge loan")
    INVESTMENT_LOAN_LINKAGE = "investment_loan_linkage", _("investment-loan linkage")
    EQUITY_INVESTMENT = "equity_investment", _("equity investment")


# Products whose money is a loan (repaid or defaulted); equity is an investment and is never "repaid".
LOAN_KINDS = frozenset({ProductKind.SCI_TECH_LOAN, ProductKind.IP_PLEDGE_LOAN, ProductKind.INVESTMENT_LOAN_LINKAGE})


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")


class FinancialProduct(TimeStampedModel):
    """A finance product an institution offers: 科创贷, 知识产权质押贷款, 投贷联动 or equity investment.

    Amounts, terms and rates are ranges; ``eligibility_rules`` is data (a list of rule objects, see
    :mod:`apps.finance.eligibility`) checked against an enterprise's financing profile.
    """

    institution = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="financial_products",
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=ProductKind.choices)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    min_amount = _money(_("minimum amount (yuan)"))
    max_amount = _money(_("maximum amount (yuan)"))
    min_term_months = models.PositiveSmallIntegerField(_("minimum term (months)"))
    max_term_months = models.PositiveSmallIntegerField(_("maximum term (months)"))
    min_rate = _rate(_("minimum annual rate (%)"))
    max_rate = _rate(_("maximum annual rate (%)"))
    eligibility_rules = models.JSONField(_("eligibility rules"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ProductStatus.choices, default=ProductStatus.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("finance product")
        verbose_name_plural = _("finance products")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_amount__gt=0, max_amount__gte=models.F("min_amount")), name="finproduct_amounts"
            ),
            models.CheckConstraint(
                condition=Q(min_term_months__gt=0, max_term_months__gte=models.F("min_term_months")),
                name="finproduct_terms",
            ),
            models.CheckConstraint(
                condition=Q(min_rate__gte=0, max_rate__gte=models.F("min_rate")), name="finproduct_rates"
            ),
        ]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return self.name


class RequestStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class FinancingRequest(TimeStampedModel):
    """An enterprise's request for money, with the profile the market knew of it when it was made.

    ``profile`` is a snapshot (IP assets with their grant, annuity, pledge and term state; registered
    contracts and payments; published listings; qualifications), refreshed on demand; the enterprise
    names the assets it offers as collateral (``collateral``).
    """

    enterprise = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="financing_requests",
    )
    amount = _money(_("amount (yuan)"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    purpose = models.CharField(_("purpose"), max_length=1000)
    kind = models.CharField(_("wanted kind"), max_length=32, choices=ProductKind.choices, blank=True)
    collateral = models.ManyToManyField(
        "ip.IPAsset", verbose_name=_("collateral"), blank=True, related_name="financing_requests"
    )
    profile = models.JSONField(_("profile"), default=dict)
    profile_taken_at = models.DateTimeField(_("profile taken at"))
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("financing request")
        verbose_name_plural = _("financing requests")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0, term_months__gt=0), name="finrequest_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.amount}"


class RequestDocument(TimeStampedModel):
    """A file on a financing request (financial statements, business plan …).

    Disclosed in stages like a listing's confidential attachments: an institution reads it only once the
    enterprise has applied to one of its products; each download by an institution is logged.
    """

    request = models.ForeignKey(FinancingRequest, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to="finance/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("financing document")
        verbose_name_plural = _("financing documents")

    def __str__(self) -> str:
        return self.original_name


class DocumentAccess(models.Model):
    """One read of a financing document by an institution's member."""

    document = models.ForeignKey(RequestDocument, on_delete=models.CASCADE, related_name="accesses")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    accessed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("financing document access")
        verbose_name_plural = _("financing document accesses")

    def __str__(self) -> str:
        return f"{self.document_id} ← {self.organization_id}"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    UNDER_REVIEW = "under_review", _("under review")
    APPROVED = "approved", _("approved")
    DECLINED = "declined", _("declined")
    WITHDRAWN = "withdrawn", _("withdrawn")
    DISBURSED = "disbursed", _("disbursed")
    REPAID = "repaid", _("repaid")
    DEFAULTED = "defaulted", _("defaulted")


OPEN_APPLICATION_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.APPROVED,
    ApplicationStatus.DISBURSED,
)


class FinancingApplication(TimeStampedModel):
    """A financing request sent to one product; the institution's decisions on it.

    ``institution`` repeats the product's institution so its members' queue is one indexed filter.
    """

    request = models.ForeignKey(FinancingRequest, on_delete=models.PROTECT, related_name="applications")
    product = models.ForeignKey(FinancialProduct, on_delete=models.PROTECT, related_name="applications")
    institution = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="financing_applications"
    )
    enterprise = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    match = models.JSONField(_("match at submission"), default=dict)
    note = models.CharField(_("enterprise's note"), max_length=1000, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=1000, blank=True)
    approved_amount = _money(_("approved amount (yuan)"), null=True, blank=True)
    approved_rate = models.DecimalField(
        _("approved annual rate (%)"), max_digits=6, decimal_places=3, null=True, blank=True
    )
    approved_term_months = models.PositiveSmallIntegerField(_("approved term (months)"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    disbursed_amount = _money(_("disbursed amount (yuan)"), null=True, blank=True)
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    closed_on = models.DateField(_("repaid or defaulted on"), null=True, blank=True)
    loss_amount = _money(_("loss on default (yuan)"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("financing application")
        verbose_name_plural = _("financing applications")
        constraints = [
            # One live application per request and product; a declined or withdrawn one may be retried.
            models.UniqueConstraint(
                fields=["request", "product"],
                condition=Q(status__in=["submitted", "under_review", "approved", "disbursed", "repaid", "defaulted"]),
                name="finapplication_once_per_product",
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "status"]),
            models.Index(fields=["status", "disbursed_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} → {self.product_id} ({self.status})"


class ApplicationEvent(models.Model):
    """Each move of an application: who, when, from and to which state, with the note given."""

    application = models.ForeignKey(FinancingApplication, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    note = models.CharField(max_length=1000, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


# --- risk compensation pool (风险补偿资金池) ---------------------------------------------------------


class RiskPool(TimeStampedModel):
    """The city's risk compensation pool: capital paid in, and how a defaulted loan's loss is shared.

    The shares are percentages of the loss borne by the pool, the lending bank and the guarantor; they
    sum to 100. A loan without a guarantor leaves the guarantor's share with the bank.
    """

    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey("reference.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    pool_share = models.DecimalField(_("pool share (%)"), max_digits=5, decimal_places=2)
    bank_share = models.DecimalField(_("bank share (%)"), max_digits=5, decimal_places=2)
    guarantor_share = models.DecimalField(_("guarantor share (%)"), max_digits=5, decimal_places=2)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("risk compensation pool")
        verbose_name_plural = _("risk compensation pools")
        constraints = [
            models.CheckConstraint(
                condition=Q(pool_share__gte=0, bank_share__gte=0, guarantor_share__gte=0)
                & Q(
                    pool_share=Decimal(100) - models.F("bank_share") - models.F("guarantor_share"),
                ),
                name="riskpool_shares_sum_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EnrolmentStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class PoolEnrolment(TimeStampedModel):
    """A disbursed loan enrolled in a pool: once approved, its default is compensated by the pool's shares."""

    pool = models.ForeignKey(RiskPool, on_delete=models.PROTECT, related_name="enrolments")
    application = models.OneToOneField(FinancingApplication, on_delete=models.PROTECT, related_name="pool_enrolment")
    guarantor = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("guarantor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    covered_amount = _money(_("covered amount (yuan)"))
    status = models.CharField(
        _("status"), max_length=16, choices=EnrolmentStatus.choices, default=EnrolmentStatus.REQUESTED
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("pool enrolment")
        verbose_name_plural = _("pool enrolments")

    def __str__(self) -> str:
        return f"{self.pool_id}: {self.application_id}"


class PostingKind(models.TextChoices):
    CAPITAL = "capital", _("capital paid in")
    COMPENSATION = "compensation", _("default compensation")
    RECOVERY = "recovery", _("recovery after default")


class LedgerAccount(models.TextChoices):
    POOL_CASH = "pool_cash", _("pool cash")
    CITY_CAPITAL = "city_capital", _("capital contributed")
    COMPENSATION_PAID = "compensation_paid", _("compensation paid by the pool")
    RECOVERIES = "recoveries", _("recoveries returned to the pool")
    BANK_LOSS = "bank_loss", _("loss borne by banks")
    GUARANTOR_LOSS = "guarantor_loss", _("loss borne by guarantors")
    LOSS_SHARED = "loss_shared", _("losses shared out")


class LedgerPosting(models.Model):
    """One balanced posting of the pool's ledger: its entries' debits equal their credits."""

    pool = models.ForeignKey(RiskPool, on_delete=models.PROTECT, related_name="postings")
    kind = models.CharField(_("kind"), max_length=16, choices=PostingKind.choices)
    enrolment = models.ForeignKey(
        PoolEnrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="postings"
    )
    amount = _money(_("amount (yuan)"))
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    posted_on = models.DateField(_("posted on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger posting")
        verbose_name_plural = _("ledger postings")

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class LedgerEntry(models.Model):
    posting = models.ForeignKey(LedgerPosting, on_delete=models.CASCADE, related_name="entries")
    account = models.CharField(_("account"), max_length=24, choices=LedgerAccount.choices)
    debit = _money(_("debit"), default=Decimal("0.00"))
    credit = _money(_("credit"), default=Decimal("0.00"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0, credit=0) | Q(debit=0, credit__gt=0)), name="ledgerentry_one_side"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.debit}/{self.credit}"
