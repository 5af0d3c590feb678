"""The asset rules as plain Python (no database): the order they are applied in and the edges of each."""

from __future__ import annotations

from datetime import date

import pytest

from apps.core.errors import ApplicationError
from apps.ip.models import IPAsset, IPAssetKind, LegalStatus
from apps.ip.services import check_ip_asset

TODAY = date(2026, 3, 15)


def _asset(**fields) -> IPAsset:
    values = {"kind": IPAssetKind.INVENTION, "title": "一种方法", "application_number": "201710601862.3"}
    values.update(fields)
    return IPAsset(**values)


def _refusal(asset: IPAsset) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        check_ip_asset(asset, today=TODAY)
    return info.value


def test_dates_up_to_today_are_accepted():
    check_ip_asset(_asset(filing_date=TODAY, grant_date=TODAY, legal_status=LegalStatus.GRANTED), today=TODAY)


@pytest.mark.parametrize("field", ["filing_date", "grant_date"])
def test_tomorrow_is_in_the_future(field):
    asset = _asset(filing_date=date(2025, 1, 1), grant_date=TODAY, legal_status=LegalStatus.GRANTED)
    setattr(asset, field, date(2026, 3, 16))
    error = _refusal(asset)
    assert error.code == "date_in_future"
    assert list(error.field_errors) == [field]


def test_ipc_symbols_are_normalised_in_place_and_deduplicated():
    asset = _asset(ipc_main=" c07d487/04", ipc_codes=["C07D 487/04", "a61k 31/495", "A61K31/495", "A61P 35/00"])
    check_ip_asset(asset, today=TODAY)
    assert asset.ipc_main == "C07D 487/04"
    assert asset.ipc_codes == ["A61K 31/495", "A61P 35/00"]


def test_every_bad_identifier_is_reported_at_once():
    error = _refusal(
        _asset(
            application_number="201710601862.4",
            patent_number="ZL1",
            publication_number="CN12",
            ipc_main="A61K",
            ipc_codes=["A61K 31/495", "nonsense", "Z99Z 1/00"],
        )
    )
    assert error.code == "invalid_ip_identifier"
    assert set(error.field_errors) == {
        "application_number",
        "patent_number",
        "publication_number",
        "ipc_main",
        "ipc_codes",
    }
    assert "nonsense, Z99Z 1/00" in str(error.field_errors["ipc_codes"])


def test_formats_come_before_cross_field_rules():
    # A malformed number is named as malformed, not as "does not fit the kind".
    error = _refusal(_asset(kind=IPAssetKind.DESIGN, application_number="201710601862.4"))
    assert error.code == "invalid_ip_identifier"


@pytest.mark.parametrize(
    ("kind", "digits", "ok"),
    [
        (IPAssetKind.INVENTION, "18", True),
        (IPAssetKind.INVENTION, "239", False),
        (IPAssetKind.UTILITY_MODEL, "29", True),
        (IPAssetKind.UTILITY_MODEL, "138", False),
        (IPAssetKind.DESIGN, "3", True),
        (IPAssetKind.DESIGN, "1289", False),
    ],
)
def test_type_digit_against_kind(kind, digits, ok):
    from tests.ip.factories import make_application_number

    for digit in digits:
        asset = _asset(kind=kind, application_number=make_application_number(42, type_digit=digit))
        if ok:
            check_ip_asset(asset, today=TODAY)
        else:
            assert _refusal(asset).code == "patent_kind_mismatch"


def test_patent_number_must_repeat_the_application_number_exactly():
    check_ip_asset(_asset(patent_number="ZL201710601862.3"), today=TODAY)
    # 97101765.4 is itself valid, so only the cross-check can catch it.
    assert _refusal(_asset(patent_number="ZL97101765.4")).code == "patent_number_mismatch"


@pytest.mark.parametrize("number", ["2019SR123456", "2019SR1234567", "1999SR123456"])
def test_software_registration_numbers(number):
    check_ip_asset(
        _asset(kind=IPAssetKind.SOFTWARE_COPYRIGHT, application_number="", registration_number=number), today=TODAY
    )


@pytest.mark.parametrize(
    "number", ["2019SR12345", "2019SR12345678", "19SR1234567", "2019sr1234567", "软著登字第1234567号"]
)
def test_bad_software_registration_numbers(number):
    asset = _asset(kind=IPAssetKind.SOFTWARE_COPYRIGHT, application_number="", registration_number=number)
    error = _refusal(asset)
    assert (error.code, list(error.field_errors)) == ("invalid_ip_identifier", ["registration_number"])


@pytest.mark.parametrize("number", ["CN102822194B", "CN1028221A", "CN201234567U", "CN102822194A1", "CN303456789S"])
def test_publication_numbers(number):
    check_ip_asset(_asset(publication_number=number), today=TODAY)


def test_non_patent_kinds_need_no_number():
    for kind in (IPAssetKind.IC_LAYOUT, IPAssetKind.PLANT_VARIETY, IPAssetKind.OTHER):
        check_ip_asset(_asset(kind=kind, application_number=""), today=TODAY)
