"""IP custody (知识产权托管): an owner entrusts assets to an IP service agency, which keeps them alive.

An agreement names the owner, the custodian agency, the period, the service level and the fee, and holds
assets through :class:`CustodyAsset`. Each custody asset carries what the daily reminder scan needs about
its next unpaid annuity (year, due date, grace deadline, fees, the day the next reminder falls due), kept
current by the services whenever a payment is recorded or the asset changes, so the scan is an indexed
range query and never recomputes schedules. The annuity rules themselves live in :mod:`apps.custody.annuity`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class ServiceLevel(models.TextChoices):
    PAY_ANNUITIES = "pay_annuities", _("agency pays annuities on the owner's behalf")
    REMIND_ONLY = "remind_only", _("agency reminds only")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ACTIVE = "active", _("active")
    ENDED = "ended", _("ended")


class CustodyAgreement(TimeStampedModel):
    """An owner organisation's agreement with an IP service agency over some of its assets."""

    owner = models.ForeignKey(
        "organizations.Organization", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    custodian = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("custodian agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    service_level = models.CharField(_("service level"), max_length=16, choices=ServiceLevel.choices)
    fee = models.DecimalField(
        _("service fee (yuan)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    status = models.CharField(_("status"), max_length=8, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("custody agreement")
        verbose_name_plural = _("custody agreements")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="custody_period_order"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="custody_fee_not_negative"),
            models.CheckConstraint(condition=~Q(owner=F("custodian")), name="custody_not_own_custodian"),
        ]
        indexes = [models.Index(fields=["owner", "status"]), models.Index(fields=["custodian", "status"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.owner_id}→{self.custodian_id}"


class AgreementEventKind(models.TextChoices):
    CREATED = "created", _("created")
    STARTED = "started", _("started")
    RENEWED = "renewed", _("renewed")
    ENDED = "ended", _("ended")
    PAID_THROUGH = "paid_through", _("paid-through year corrected")


class AgreementEvent(models.Model):
    """The agreement's history: each start, renewal (with the period before and after) and end, and each
    correction of an asset's paid-through year by the custodian (the asset, the year before and after,
    the reason in ``note``). Both parties read it."""

    agreement = models.ForeignKey(CustodyAgreement, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=16, choices=AgreementEventKind.choices)
    end_date_before = models.DateField(_("end date before"), null=True, blank=True)
    end_date_after = models.DateField(_("end date after"), null=True, blank=True)
    fee = models.DecimalField(_("fee"), max_digits=14, decimal_places=2, null=True, blank=True)
    asset = models.ForeignKey(
        "ip.IPAsset", verbose_name=_("IP asset"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_through_before = models.PositiveSmallIntegerField(_("paid through before"), null=True, blank=True)
    paid_through_after = models.PositiveSmallIntegerField(_("paid through after"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["agreement", "id"]
        verbose_name = _("custody agreement event")
        verbose_name_plural = _("custody agreement events")

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.kind}"


class CustodyAsset(models.Model):
    """One asset under one agreement, with the state of its next unpaid annuity.

    ``active`` mirrors the agreement being active; a partial unique index on it is what keeps an asset
    out of two active custodies, whatever races. ``next_*`` describe the first annuity year not yet paid
    (empty when the asset pays none: not a granted patent, or the term is over); ``next_reminder_on`` is
    the day the scan next has something to say about it.
    """

    # No index of its own: the unique (agreement, asset) and the scan index lead with it.
    agreement = models.ForeignKey(CustodyAgreement, on_delete=models.CASCADE, related_name="assets", db_index=False)
    asset = models.ForeignKey("ip.IPAsset", on_delete=models.PROTECT, related_name="custody_links")
    active = models.BooleanField(_("active"), default=False)
    reduction_share = models.DecimalField(
        _("fee reduction share"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Share off each annuity, e.g. 0.85 (one qualifying applicant) or 0.70 (several)."),
    )
    reduction_years = models.PositiveSmallIntegerField(_("fee reduction years"), null=True, blank=True)
    paid_through_year = models.PositiveSmallIntegerField(_("paid through patent year"), default=0)
    next_year = models.PositiveSmallIntegerField(_("next annuity year"), null=True, blank=True)
    next_due_date = models.DateField(_("next due date"), null=True, blank=True)
    grace_deadline = models.DateField(_("grace deadline"), null=True, blank=True)
    next_fee = models.DecimalField(_("next fee"), max_digits=12, decimal_places=2, null=True, blank=True)
    next_full_fee = models.DecimalField(_("next full fee"), max_digits=12, decimal_places=2, null=True, blank=True)
    next_reduced = models.BooleanField(_("next fee reduced"), default=False)
    next_at_grant = models.BooleanField(_("next paid at grant"), default=False)
    next_reminder_on = models.DateField(_("next reminder on"), null=True, blank=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["agreement", "id"]
        verbose_name = _("asset in custody")
        verbose_name_plural = _("assets in custody")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "asset"], name="custodyasset_once_per_agreement"),
            # One asset is never in two active custodies.
            models.UniqueConstraint(fields=["asset"], condition=Q(active=True), name="custodyasset_one_active"),
            models.CheckConstraint(
                condition=Q(reduction_share__isnull=True) | Q(reduction_share__gte=0, reduction_share__lte=1),
                name="custodyasset_reduction_share",
            ),
        ]
        indexes = [
            # The daily scan: per agreement, active rows whose next reminder is due, in date order.
            models.Index(
                fields=["agreement", "next_reminder_on", "id"],
                condition=Q(active=True, next_reminder_on__isnull=False),
                name="custodyasset_reminder_scan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id}/{self.asset_id}"


class Payment(TimeStampedModel):
    """An annuity payment, checked against the schedule when recorded.

    An underpayment is kept (flagged, with the shortfall) but does not settle the year.
    """

    custody_asset = models.ForeignKey(CustodyAsset, on_delete=models.PROTECT, related_name="payments")
    asset = models.ForeignKey("ip.IPAsset", on_delete=models.PROTECT, related_name="annuity_payments")
    year = models.PositiveSmallIntegerField(_("patent year"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    receipt_number = models.CharField(_("receipt number"), max_length=64, unique=True)
    required = models.DecimalField(_("amount owed that day"), max_digits=12, decimal_places=2)
    late_fee = models.DecimalField(_("late fee"), max_digits=12, decimal_places=2)
    shortfall = models.DecimalField(_("shortfall"), max_digits=12, decimal_places=2)
    underpaid = models.BooleanField(_("underpaid"), default=False)
    restoration = models.BooleanField(_("with restoration"), default=False)
    code = models.CharField(_("check result"), max_length=24)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("annuity payment")
        verbose_name_plural = _("annuity payments")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]
        indexes = [models.Index(fields=["asset", "year"])]

    def __str__(self) -> str:
        return self.receipt_number


class Reminder(models.Model):
    """The log of annuity reminders sent: one row per asset, patent year and kind, inserted before notifying.

    The unique key is what makes the scan safe to re-run and to run twice at once: only the run whose
    insert created the row notifies.
    """

    # The scan inserts hundreds of thousands of rows on a heavy day: two indexes only (the key and the
    # unique one, which also serves lookups by asset).
    asset = models.ForeignKey("ip.IPAsset", on_delete=models.CASCADE, related_name="annuity_reminders", db_index=False)
    custody_asset = models.ForeignKey(CustodyAsset, on_delete=models.CASCADE, related_name="reminders", db_index=False)
    year = models.PositiveSmallIntegerField(_("patent year"))
    kind = models.CharField(_("kind"), max_length=16, help_text=_("before_<days>, grace_<month> or lapsed."))
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount owed"), max_digits=12, decimal_places=2)
    late_fee = models.DecimalField(_("late fee"), max_digits=12, decimal_places=2)
    sent_on = models.DateField(_("sent on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("annuity reminder")
        verbose_name_plural = _("annuity reminders")
        constraints = [models.UniqueConstraint(fields=["asset", "year", "kind"], name="reminder_once")]

    def __str__(self) -> str:
        return f"{self.asset_id} y{self.year} {self.kind}"


class PledgeStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    RELEASED = "released", _("released")


class Pledge(TimeStampedModel):
    """A pledge of a patent as loan security (质押), effective when registered with CNIPA.

    ``pledgors`` lists every holder: the owner and each co-owner, as ``{"organization_id"}`` or ``{"name"}``.
    The pledgee is an organisation on the platform (a bank, a guarantee company …), whose members see the
    pledge, record consents (:class:`PledgeConsent`) and are warned about the collateral. Pledges recorded
    before pledgees were organisations keep the lender's name only (``pledgee_organization`` empty).
    While a pledge is active the asset cannot be transferred, exclusively licensed or pledged again without
    a matching consent of the pledgee (checked by :func:`apps.custody.services.pledges.check_pledge_consent`).
    """

    asset = models.ForeignKey("ip.IPAsset", on_delete=models.PROTECT, related_name="pledges")
    pledgors = models.JSONField(_("pledgors"), default=list)
    pledgee_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("pledgee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pledges_held",
    )
    pledgee_name = models.CharField(
        _("pledgee name"), max_length=200, default="", help_text=_("The lender's name as registered with CNIPA.")
    )
    secured_amount = models.DecimalField(_("secured amount (yuan)"), max_digits=16, decimal_places=2)
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"))
    registration_date = models.DateField(_("registration date"))
    registration_number = models.CharField(_("registration number"), max_length=40, unique=True)
    status = models.CharField(_("status"), max_length=8, choices=PledgeStatus.choices, default=PledgeStatus.ACTIVE)
    released_on = models.DateField(_("released on"), null=True, blank=True)
    released_at = models.DateTimeField(_("release recorded at"), null=True, blank=True)
    release_reason = models.CharField(_("release reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        constraints = [
            models.CheckConstraint(condition=Q(secured_amount__gt=0), name="pledge_amount_positive"),
            models.CheckConstraint(condition=Q(term_end__gt=F("term_start")), name="pledge_term_order"),
        ]
        indexes = [
            models.Index(fields=["asset", "status"]),
            models.Index(fields=["status", "registration_date"]),
            models.Index(fields=["pledgee_organization", "status"]),
        ]

    def __str__(self) -> str:
        return self.registration_number


class ConsentAction(models.TextChoices):
    TRANSFER = "transfer", _("transfer of the pledged right")
    EXCLUSIVE_LICENCE = "exclusive_licence", _("exclusive licence of the pledged right")
    PLEDGE_AGAIN = "pledge_again", _("a further pledge of the pledged right")


class PledgeConsent(models.Model):
    """The pledgee's recorded consent to one act over the pledged asset (Civil Code Art. 444: a pledged
    property right may be transferred or licensed only with the pledgee's consent).

    ``counterparty`` and ``contract`` narrow it: empty means any buyer or licensee, or any contract.
    """

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="consents")
    action = models.CharField(_("action"), max_length=20, choices=ConsentAction.choices)
    counterparty = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("counterparty"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A plain id: contracts stand above custody in the app order, so custody keeps no foreign key to them.
    contract_id = models.PositiveBigIntegerField(_("contract"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("pledgee consent")
        verbose_name_plural = _("pledgee consents")
        indexes = [models.Index(fields=["pledge", "action"])]

    def __str__(self) -> str:
        return f"{self.pledge_id} {self.action}"


class PledgeWarning(models.Model):
    """A warning sent to the pledgee about its collateral: an annuity due or overdue on the pledged patent,
    or the patent lapsed (lost collateral). The unique key makes the warning go out once."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="warnings")
    key = models.CharField(_("key"), max_length=40, help_text=_("y<year>_<stage> or status_<legal status>."))
    message = models.CharField(_("message"), max_length=1000)
    sent_on = models.DateField(_("sent on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("pledgee warning")
        verbose_name_plural = _("pledgee warnings")
        constraints = [models.UniqueConstraint(fields=["pledge", "key"], name="pledge_warning_once")]

    def __str__(self) -> str:
        return f"{self.pledge_id} {self.key}"


class CalendarFeed(models.Model):
    """A person's secret calendar feed address: calendar apps cannot send a login, so the URL is the key.

    Only a hash of the token is kept; rotating replaces it, revoking deletes the row.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="custody_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user_id)
