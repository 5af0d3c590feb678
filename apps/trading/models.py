"""Trading (交易): listed sales (挂牌) with a public notice (公示), objections (异议), and English auctions
(竞价) with deposits (保证金), proxy bids and an anti-sniping extension.

A :class:`Sale` offers one published achievement of the seller at a price, in one of two modes: a fixed
price that the first buyer accepts, or an auction whose terms and running state live on the same row (the
row every bid locks). Bidders register (:class:`Bidder`, with a bidder number 竞买号) and pay a deposit
(:class:`Deposit`) that the operator confirms before they may bid; every accepted bid is a :class:`Bid`
with its sequence number.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class SaleMode(models.TextChoices):
    FIXED_PRICE = "fixed_price", _("listed sale at a fixed price")
    AUCTION = "auction", _("auction")


class SaleStatus(models.TextChoices):
    LISTED = "listed", _("listed")
    SOLD = "sold", _("sold")
    UNSOLD = "unsold", _("closed unsold")
    WITHDRAWN = "withdrawn", _("withdrawn")
    SUSPENDED = "suspended", _("suspended after an objection")


class SalePhase(models.TextChoices):
    """Where a listed sale stands in time (derived, not stored); a closed sale's phase is its status."""

    NOTICE = "notice", _("under public notice")
    OPEN = "open", _("open for acceptance")
    UPCOMING = "upcoming", _("auction not started")
    BIDDING = "bidding", _("bidding")
    ENDED = "ended", _("bidding ended, awaiting close")
    SOLD = "sold", _("sold")
    UNSOLD = "unsold", _("closed unsold")
    WITHDRAWN = "withdrawn", _("withdrawn")
    SUSPENDED = "suspended", _("suspended after an objection")


class Sale(TimeStampedModel):
    """One achievement offered for sale by its owner: at a fixed price (挂牌) or by auction (竞价).

    ``price`` is the fixed price, or the auction's starting price. The auction's running state
    (``current_price``, ``leader``, ``bid_count``, ``ends_at`` after extensions) is kept here so that one
    row lock orders every bid.
    """

    achievement = models.ForeignKey(
        "listings.Achievement", verbose_name=_("achievement"), on_delete=models.PROTECT, related_name="+"
    )
    seller = models.ForeignKey(
        "organizations.Organization", verbose_name=_("seller"), on_delete=models.PROTECT, related_name="sales"
    )
    mode = models.CharField(_("sale mode"), max_length=16, choices=SaleMode.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=SaleStatus.choices, default=SaleStatus.LISTED, db_index=True
    )
    title = models.CharField(_("title"), max_length=200)
    price = models.DecimalField(_("price (yuan)"), max_digits=16, decimal_places=2)
    notice_days = models.PositiveSmallIntegerField(_("notice days"))
    notice_starts_at = models.DateTimeField(_("notice starts at"), default=timezone.now)
    notice_ends_at = models.DateTimeField(_("notice ends at"))
    # Auction terms (null for a fixed-price sale).
    reserve_price = models.DecimalField(
        _("reserve price (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    increment = models.DecimalField(
        _("minimum increment (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    deposit_amount = models.DecimalField(_("deposit (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    starts_at = models.DateTimeField(_("bidding starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("bidding ends at"), null=True, blank=True)
    scheduled_ends_at = models.DateTimeField(_("scheduled end"), null=True, blank=True)
    extension_minutes = models.PositiveSmallIntegerField(_("extension minutes"), default=0)
    # Auction state.
    current_price = models.DecimalField(
        _("current price (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    leader = models.ForeignKey(
        "trading.Bidder",
        verbose_name=_("leading bidder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    bid_count = models.PositiveIntegerField(_("bid count"), default=0)
    extension_count = models.PositiveIntegerField(_("extension count"), default=0)
    # Outcome.
    buyer = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("buyer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="purchases",
    )
    final_price = models.DecimalField(_("final price (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("deal"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_note = models.CharField(_("closing note"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        constraints = [
            models.UniqueConstraint(
                fields=["achievement"], condition=Q(status="listed"), name="trading_sale_one_listed_per_achievement"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="trading_sale_price_not_negative"),
            models.CheckConstraint(
                condition=Q(mode="fixed_price")
                | Q(
                    increment__gt=0,
                    deposit_amount__gte=0,
                    starts_at__isnull=False,
                    ends_at__isnull=False,
                    starts_at__gte=models.F("notice_ends_at"),
                ),
                name="trading_sale_auction_terms",
            ),
            models.CheckConstraint(
                condition=Q(reserve_price__isnull=True) | Q(reserve_price__gte=models.F("price")),
                name="trading_sale_reserve_not_below_start",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "notice_ends_at"], name="trading_sale_notice_idx"),
            models.Index(fields=["status", "ends_at"], name="trading_sale_ends_idx"),
            models.Index(fields=["status", "-closed_at"], name="trading_sale_results_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_auction(self) -> bool:
        return self.mode == SaleMode.AUCTION

    def phase(self, now=None) -> str:  # type: ignore[no-untyped-def]
        if self.status != SaleStatus.LISTED:
            return str(self.status)
        now = now or timezone.now()
        if now < self.notice_ends_at:
            return SalePhase.NOTICE
        if not self.is_auction:
            return SalePhase.OPEN
        assert self.starts_at is not None and self.ends_at is not None  # noqa: S101 - the check constraint
        if now < self.starts_at:
            return SalePhase.UPCOMING
        if now < self.ends_at:
            return SalePhase.BIDDING
        return SalePhase.ENDED

    @property
    def minimum_bid(self) -> Decimal | None:
        """The lowest acceptable next bid: the starting price, then the current price plus one increment."""
        if not self.is_auction or self.status != SaleStatus.LISTED:
            return None
        if self.current_price is None:
            return self.price
        return self.current_price + (self.increment or Decimal("0"))

    @property
    def reserve_met(self) -> bool | None:
        """None before the first bid; the reserve itself is never shown to bidders."""
        if not self.is_auction or self.current_price is None:
            return None
        return self.reserve_price is None or self.current_price >= self.reserve_price


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    UPHELD = "upheld", _("objection upheld")
    DISMISSED = "dismissed", _("objection dismissed")


class Objection(TimeStampedModel):
    """An objection (异议) filed during the public notice; the operator upholds (the sale is suspended) or
    dismisses it (the sale goes on)."""

    sale = models.ForeignKey(Sale, verbose_name=_("sale"), on_delete=models.CASCADE, related_name="objections")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"), max_length=2000)
    evidence = models.TextField(_("evidence"), max_length=5000, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING
    )
    resolution = models.CharField(_("resolution"), max_length=2000, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        indexes = [models.Index(fields=["sale", "status"], name="trading_objection_sale_idx")]

    def __str__(self) -> str:
        return f"{self.sale_id}: {self.get_status_display()}"


class Bidder(TimeStampedModel):
    """An organisation registered to bid in one auction, under its bidder number (竞买号).

    ``max_amount`` is its proxy maximum (for a plain bid, the bid itself): never shown to others.
    """

    sale = models.ForeignKey(Sale, verbose_name=_("sale"), on_delete=models.CASCADE, related_name="bidders")
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField(_("bidder number"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    max_amount = models.DecimalField(_("proxy maximum (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    max_set_at = models.DateTimeField(_("maximum set at"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("bidder")
        verbose_name_plural = _("bidders")
        constraints = [
            models.UniqueConstraint(fields=["sale", "organization"], name="trading_bidder_once_per_sale"),
            models.UniqueConstraint(fields=["sale", "number"], name="trading_bidder_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sale_id} #{self.number}"


class DepositStatus(models.TextChoices):
    PENDING = "pending", _("awaiting payment confirmation")
    HELD = "held", _("held")
    REFUNDED = "refunded", _("refunded")
    FORFEITED = "forfeited", _("forfeited")
    APPLIED = "applied", _("applied to the price")


class Deposit(TimeStampedModel):
    """A bidder's deposit (保证金): pending until the operator confirms the payment, then held; refunded
    to losers at the close, applied to the winner's price, or forfeited by the operator."""

    bidder = models.OneToOneField(Bidder, verbose_name=_("bidder"), on_delete=models.CASCADE, related_name="deposit")
    sale = models.ForeignKey(Sale, verbose_name=_("sale"), on_delete=models.CASCADE, related_name="deposits")
    amount = models.DecimalField(_("amount (yuan)"), max_digits=16, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=16, choices=DepositStatus.choices, default=DepositStatus.PENDING, db_index=True
    )
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("deposit")
        verbose_name_plural = _("deposits")
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="trading_deposit_not_negative")]

    def __str__(self) -> str:
        return f"{self.bidder} {self.amount} ({self.status})"


class Bid(models.Model):
    """One accepted bid, numbered in the order the auction row lock admitted it. ``is_proxy``: placed by
    the system on the bidder's behalf from its proxy maximum."""

    sale = models.ForeignKey(Sale, verbose_name=_("sale"), on_delete=models.CASCADE, related_name="bids")
    bidder = models.ForeignKey(Bidder, verbose_name=_("bidder"), on_delete=models.PROTECT, related_name="bids")
    sequence = models.PositiveIntegerField(_("sequence"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=16, decimal_places=2)
    is_proxy = models.BooleanField(_("proxy bid"), default=False)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("placed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("auction bid")
        verbose_name_plural = _("auction bids")
        constraints = [models.UniqueConstraint(fields=["sale", "sequence"], name="trading_bid_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.sale_id} #{self.sequence}: {self.amount}"
