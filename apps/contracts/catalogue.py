"""The technology-contract catalogue (Civil Code, technology contract chapter) as data.

Types and their subtypes, the legacy four-class tally national reports still use, programme classes,
IP types and deduction kinds. Pure: no ORM, so the rules can be read and tested on their own.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The country code of China (ISO 3166-1 numeric). Hong Kong, Macao and Taiwan are regions within it
# (GB/T 2260 810000, 820000, 710000), so a party is "abroad" exactly when its country is not this.
CHINA = "156"


class ContractType(models.TextChoices):
    DEVELOPMENT = "development", _("technology development")
    TRANSFER = "transfer", _("technology transfer")
    LICENCE = "licence", _("technology licence")
    CONSULTING = "consulting", _("technology consulting")
    SERVICE = "service", _("technology service")


class ContractSubtype(models.TextChoices):
    # development 技术开发
    COMMISSIONED_DEVELOPMENT = "commissioned_development", _("commissioned development")
    COOPERATIVE_DEVELOPMENT = "cooperative_development", _("cooperative development")
    # transfer 技术转让
    PATENT_RIGHT_TRANSFER = "patent_right_transfer", _("patent right transfer")
    PATENT_APPLICATION_RIGHT_TRANSFER = "patent_application_right_transfer", _("patent application right transfer")
    TECHNICAL_SECRET_TRANSFER = "technical_secret_transfer", _("technical secret transfer")
    SOFTWARE_COPYRIGHT_TRANSFER = "software_copyright_transfer", _("software copyright transfer")
    IC_LAYOUT_TRANSFER = "ic_layout_transfer", _("IC layout design transfer")
    PLANT_VARIETY_TRANSFER = "plant_variety_transfer", _("new plant variety transfer")
    OTHER_TRANSFER = "other_transfer", _("other technology transfer")
    # licence 技术许可
    EXCLUSIVE_PATENT_LICENCE = "exclusive_patent_licence", _("exclusive patent licence")
    SOLE_PATENT_LICENCE = "sole_patent_licence", _("sole patent licence")
    ORDINARY_PATENT_LICENCE = "ordinary_patent_licence", _("ordinary patent licence")
    TECHNICAL_SECRET_LICENCE = "technical_secret_licence", _("technical secret licence")
    OTHER_LICENCE = "other_licence", _("other technology licence")
    # consulting 技术咨询
    FEASIBILITY_STUDY = "feasibility_study", _("feasibility study")
    TECHNOLOGY_FORECAST = "technology_forecast", _("technology forecast")
    TECHNOLOGY_EVALUATION = "technology_evaluation", _("technology evaluation")
    OTHER_CONSULTING = "other_consulting", _("other technology consulting")
    # service 技术服务: training and brokerage are registered as contracts of their own
    GENERAL_SERVICE = "general_service", _("general technology service")
    TRAINING = "training", _("technology training")
    BROKERAGE = "brokerage", _("technology brokerage")


S = ContractSubtype
SUBTYPES_BY_TYPE: dict[str, tuple[str, ...]] = {
    ContractType.DEVELOPMENT: (S.COMMISSIONED_DEVELOPMENT, S.COOPERATIVE_DEVELOPMENT),
    ContractType.TRANSFER: (
        S.PATENT_RIGHT_TRANSFER,
        S.PATENT_APPLICATION_RIGHT_TRANSFER,
        S.TECHNICAL_SECRET_TRANSFER,
        S.SOFTWARE_COPYRIGHT_TRANSFER,
        S.IC_LAYOUT_TRANSFER,
        S.PLANT_VARIETY_TRANSFER,
        S.OTHER_TRANSFER,
    ),
    ContractType.LICENCE: (
        S.EXCLUSIVE_PATENT_LICENCE,
        S.SOLE_PATENT_LICENCE,
        S.ORDINARY_PATENT_LICENCE,
        S.TECHNICAL_SECRET_LICENCE,
        S.OTHER_LICENCE,
    ),
    ContractType.CONSULTING: (
        S.FEASIBILITY_STUDY,
        S.TECHNOLOGY_FORECAST,
        S.TECHNOLOGY_EVALUATION,
        S.OTHER_CONSULTING,
    ),
    ContractType.SERVICE: (S.GENERAL_SERVICE, S.TRAINING, S.BROKERAGE),
}


class LegacyClass(models.TextChoices):
    """The four classes national reports still tally: licences count as transfer."""

    DEVELOPMENT = "development", _("technology development")
    TRANSFER = "transfer", _("technology transfer (incl. licences)")
    CONSULTING = "consulting", _("technology consulting")
    SERVICE = "service", _("technology service")


LEGACY_CLASS_BY_TYPE: dict[str, str] = {
    ContractType.DEVELOPMENT: LegacyClass.DEVELOPMENT,
    ContractType.TRANSFER: LegacyClass.TRANSFER,
    ContractType.LICENCE: LegacyClass.TRANSFER,
    ContractType.CONSULTING: LegacyClass.CONSULTING,
    ContractType.SERVICE: LegacyClass.SERVICE,
}


def legacy_class_for(contract_type: str) -> str:
    return LEGACY_CLASS_BY_TYPE[contract_type]


def subtype_fits(contract_type: str, subtype: str) -> bool:
    return subtype in SUBTYPES_BY_TYPE.get(contract_type, ())


class ProgrammeClass(models.TextChoices):
    """Which government programme the contract's technology came from (计划类别)."""

    NATIONAL = "national", _("national programme")
    MINISTRY = "ministry", _("ministry programme")
    PROVINCIAL = "provincial", _("provincial programme")
    CITY_COUNTY = "city_county", _("city or county programme")
    NONE = "none", _("no programme")


class IPType(models.TextChoices):
    """The IP a contract's subject rests on (知识产权类型), as the statistics cut it."""

    INVENTION_PATENT = "invention_patent", _("invention patent")
    UTILITY_MODEL_PATENT = "utility_model_patent", _("utility model patent")
    DESIGN_PATENT = "design_patent", _("design patent")
    SOFTWARE_COPYRIGHT = "software_copyright", _("software copyright")
    IC_LAYOUT = "ic_layout", _("IC layout design")
    PLANT_VARIETY = "plant_variety", _("new plant variety")
    BIOMEDICINE_VARIETY = "biomedicine_variety", _("new biomedicine variety")
    TECHNICAL_SECRET = "technical_secret", _("technical secret")
    OTHER = "other", _("other IP")
    NONE = "none", _("no IP involved")


class DeductionKind(models.TextChoices):
    """Non-technical costs deducted from the contract amount to get the technology transaction amount."""

    EQUIPMENT = "equipment", _("purchased equipment")
    INSTRUMENTS = "instruments", _("instruments")
    PARTS = "parts", _("parts and components")
    RAW_MATERIALS = "raw_materials", _("raw materials")
    OTHER = "other", _("other non-technical cost")
