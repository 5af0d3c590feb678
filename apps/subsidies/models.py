"""Post-subsidies (后补助) on technology contracts.

- :class:`SubsidyPolicy`: a versioned rule set (shares by contract type, threshold, caps, eligibility) as
  validated data (:mod:`apps.subsidies.rules`). Only a draft's rules may change; a new version is a new row,
  so claims computed under an old version keep their numbers.
- :class:`SubsidyRound`: one call for applications under one policy version, with a window and a budget.
- :class:`SubsidyClaim`: an enterprise's claim in a round over some of its contracts, with the computed
  amount and the per-contract breakdown (:class:`ClaimedContract`), reviewed by the operator
  (submitted → under_review → approved | rejected; approved → disbursed).
- :class:`Disbursement`: the payment of an approved claim.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


def _money(verbose_name: object, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ACTIVE = "active", _("active")
    RETIRED = "retired", _("retired")


class SubsidyPolicy(TimeStampedModel):
    """One version of a post-subsidy policy; ``rules`` is the data :func:`apps.subsidies.rules.parse_rules` reads."""

    name = models.CharField(_("name"), max_length=200)
    version = models.CharField(_("version"), max_length=20)
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT)
    rules = models.JSONField(_("rules"))
    source = models.CharField(_("source document"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("subsidy policy")
        verbose_name_plural = _("subsidy policies")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="subsidy_policy_version_once"),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True) | Q(effective_until__gte=F("effective_from")),
                name="subsidy_policy_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class SubsidyRound(TimeStampedModel):
    """A call for claims under one policy version: claims are accepted from ``opens_on`` to ``closes_on``."""

    policy = models.ForeignKey(SubsidyPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="rounds")
    name = models.CharField(_("name"), max_length=200)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    budget = _money(_("budget (yuan)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("subsidy round")
        verbose_name_plural = _("subsidy rounds")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="subsidy_round_window_order"),
            models.CheckConstraint(condition=Q(budget__gt=0), name="subsidy_round_budget_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    UNDER_REVIEW = "under_review", _("under review")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    DISBURSED = "disbursed", _("disbursed")


class SubsidyClaim(TimeStampedModel):
    """An enterprise's claim in a round. ``computed_amount`` and ``breakdown`` are what the rules gave at
    submission (kept as they were, whatever later versions say); ``approved_amount`` is the operator's."""

    round = models.ForeignKey(SubsidyRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="claims")
    policy = models.ForeignKey(SubsidyPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        "organizations.Organization", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED)
    year = models.PositiveSmallIntegerField(
        _("year"), help_text=_("The round's year: the per-enterprise cap counts in it.")
    )
    computed_amount = _money(_("computed amount (yuan)"))
    breakdown = models.JSONField(_("breakdown"), default=dict)
    approved_amount = _money(_("approved amount (yuan)"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=1000, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("subsidy claim")
        verbose_name_plural = _("subsidy claims")
        constraints = [
            models.CheckConstraint(condition=Q(computed_amount__gte=0), name="subsidy_claim_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | Q(approved_amount__gte=0, approved_amount__lte=F("computed_amount")),
                name="subsidy_claim_approved_within_computed",
            ),
        ]
        indexes = [models.Index(fields=["enterprise", "status"]), models.Index(fields=["round", "status"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.enterprise_id}"


class ClaimedContract(models.Model):
    """One contract in a claim with its line of the computation. ``active`` rows hold the contract: a
    contract is claimed at most once under one policy (all its versions share the ``policy_name``), which a
    partial unique index enforces whatever the races; a rejected claim lets its contracts go."""

    claim = models.ForeignKey(SubsidyClaim, on_delete=models.CASCADE, related_name="contracts")
    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="+"
    )
    policy_name = models.CharField(_("policy"), max_length=200)
    amount = _money(_("amount (yuan)"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["claim", "id"]
        verbose_name = _("claimed contract")
        verbose_name_plural = _("claimed contracts")
        constraints = [
            models.UniqueConstraint(
                fields=["policy_name", "contract"], condition=Q(active=True), name="subsidy_contract_claimed_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}/{self.contract_id}"


class Disbursement(TimeStampedModel):
    """The payment of an approved claim (one per claim)."""

    claim = models.OneToOneField(SubsidyClaim, on_delete=models.PROTECT, related_name="disbursement")
    amount = _money(_("amount (yuan)"))
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("payment reference"), max_length=64, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("subsidy disbursement")
        verbose_name_plural = _("subsidy disbursements")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="subsidy_disbursement_positive")]
        indexes = [models.Index(fields=["paid_on"])]

    def __str__(self) -> str:
        return self.reference
