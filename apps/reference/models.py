"""Reference data: code lists that reports and listings use. Loaded by data migrations; editable
by the operator in the admin where the list is configurable (industries)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TechnologyField(models.Model):
    """One of the 11 technology fields of the national technology-market statistics."""

    code = models.CharField(_("code"), max_length=8, primary_key=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=64, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=128)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("technology field")
        verbose_name_plural = _("technology fields")

    def __str__(self) -> str:
        return self.name_zh


class Industry(models.Model):
    """An industry of the city's industrial plan (configurable: the operator edits this list)."""

    class Kind(models.TextChoices):
        PILLAR = "pillar", _("pillar industry")
        EMERGING = "emerging", _("emerging industry")
        FEATURE = "feature", _("featured industry")
        OTHER = "other", _("other")

    code = models.SlugField(_("code"), max_length=48, primary_key=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=64, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self) -> str:
        return self.name_zh


class Region(models.Model):
    """A Chinese administrative division (GB/T 2260, six digits)."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("province")
        PREFECTURE = 2, _("prefecture")
        COUNTY = 3, _("county")

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=128, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def prefecture_code(self) -> str:
        return self.code[:4] + "00"


class Country(models.Model):
    """A country or area by ISO 3166-1 numeric code (three digits)."""

    code = models.CharField(_("numeric code"), max_length=3, primary_key=True)
    alpha2 = models.CharField(_("alpha-2 code"), max_length=2, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=128)
    is_asean = models.BooleanField(_("ASEAN member"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name_zh


class EntityType(models.Model):
    """Entity type code of the technology-market statistics (hierarchical: 100 ⊃ 110 …)."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=128)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("entity type")
        verbose_name_plural = _("entity types")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"
