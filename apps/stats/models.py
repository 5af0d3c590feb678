"""Rolled-up transaction statistics and the per-contract ledger that keeps them incremental.

- :class:`ContractFigures`: what one registered contract currently contributes, month by month, with
  the dimension values it is counted under. The incremental fold compares a contract's fresh
  contribution with this row and applies only the difference to the cells, so replaying an event
  changes nothing and a late correction lands in the month it belongs to.
- :class:`Cell`: the sums per grain (see :mod:`apps.stats.dims`), month and dimension values.
- :class:`RecomputeRun`: each full recompute, with the differences it found against the incremental
  state (any difference raises an alert to the operator).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.stats.dims import DIMS


def _amount(verbose_name: str | object) -> models.DecimalField:
    # Sums of up to 10^18 yuan to the fen; contract amounts themselves are numeric(16, 2).
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=2, default=0)  # type: ignore[arg-type]


def _dim(verbose_name: str | object, max_length: int = 32) -> models.CharField:
    return models.CharField(verbose_name, max_length=max_length)  # type: ignore[arg-type]


class DimensionColumns(models.Model):
    """The cut columns shared by :class:`ContractFigures` and :class:`Cell` (names from ``Dim``)."""

    contract_type = _dim(_("contract type"), 16)
    legacy_class = _dim(_("legacy class"), 16)
    technology_field = _dim(_("technology field"), 8)
    ip_type = _dim(_("IP type"), 24)
    programme_class = _dim(_("programme class"), 16)
    seller_entity_type = _dim(_("seller entity type"), 3)
    buyer_entity_type = _dim(_("buyer entity type"), 3)
    seller_area = _dim(_("seller area"), 6)
    buyer_area = _dim(_("buyer area"), 6)
    seller_zone = _dim(_("seller zone"), 8)
    buyer_zone = _dim(_("buyer zone"), 8)
    broker = _dim(_("broker"), 20)
    market = _dim(_("market"), 24)

    class Meta:
        abstract = True


class ContractFigures(DimensionColumns):
    """A registered contract's current contribution to the statistics.

    ``months`` maps ``YYYY-MM-01`` to ``[contract_count, contract_amount, technology_amount,
    paid_amount]`` (amounts as decimal strings): the deltas this contract has added to each month's
    cells. ``version`` rises on every fold that changed something.
    """

    contract = models.OneToOneField(
        "contracts.Contract",
        verbose_name=_("contract"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="statistics",
    )
    months = models.JSONField(_("contribution by month"), default=dict)
    version = models.PositiveIntegerField(_("version"), default=0)
    folded_at = models.DateTimeField(_("folded at"), auto_now=True)

    class Meta:
        verbose_name = _("contract figures")
        verbose_name_plural = _("contract figures")

    def __str__(self) -> str:
        return f"{self.contract_id} v{self.version}"


class Cell(DimensionColumns):
    """The sums of one grain, month and combination of dimension values ("*" = rolled up)."""

    grain = models.PositiveSmallIntegerField(_("grain"))
    month = models.DateField(_("month"))
    contract_count = models.BigIntegerField(_("contract count"), default=0)
    contract_amount = _amount(_("contract amount (yuan)"))
    technology_amount = _amount(_("technology transaction amount (yuan)"))
    paid_amount = _amount(_("paid amount (yuan)"))

    class Meta:
        verbose_name = _("statistics cell")
        verbose_name_plural = _("statistics cells")
        constraints = [
            models.UniqueConstraint(fields=["grain", "month", *DIMS], name="stats_cell_key"),
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.month:%Y-%m}"


class RecomputeRun(models.Model):
    """One full recompute of the statistics and what it found against the incremental state."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    contracts = models.BigIntegerField(_("contracts folded"), default=0)
    cells = models.BigIntegerField(_("cells computed"), default=0)
    differences = models.BigIntegerField(_("cells that differed"), default=0)
    # Up to a few dozen differing cells: key, incremental and recomputed sums, for the operator.
    sample = models.JSONField(_("sample of differences"), default=list, blank=True)
    repaired = models.BooleanField(_("repaired"), default=False)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("statistics recompute")
        verbose_name_plural = _("statistics recomputes")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.differences})"
