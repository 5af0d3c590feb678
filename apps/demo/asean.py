"""The ASEAN part of the demo market: a Vietnamese and a Thai enterprise (verified through the operator),
listings in Vietnamese and Thai with English versions, and a Vietnamese patent whose PCT application
claims its priority. Loaded through the services; skipped when the Vietnamese enterprise exists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib.auth.hashers import make_password

from apps.accounts.models import User
from apps.demo.accounts import DEMO_PASSWORD
from apps.demo.data import DEMO_EMAIL_DOMAIN
from apps.ip.services import ip_asset_create
from apps.listings.services import achievement_create, listing_review, listing_submit
from apps.organizations.models import Organization
from apps.organizations.services import organization_create, organization_verify

Progress = Callable[..., None]

ENTERPRISES: tuple[dict[str, Any], ...] = (
    {
        "person": (f"nguyen.van.an@{DEMO_EMAIL_DOMAIN}", "Nguyễn Văn An", "+84912345678", "vi"),
        "organization": {
            "name": "Công ty Cổ phần Công nghệ Nhiệt luyện Hà Nội",
            "name_en": "Hanoi Heat Treatment Technology JSC",
            "type": "enterprise",
            "country": "VN",
            "registration_id": "0109998883",
            "foreign_region": "Hà Nội",
            "entity_type_code": "300",
        },
        "achievement": {
            "language": "vi",
            "title": "Công nghệ kiểm soát biến dạng bánh răng khi thấm cacbon và tôi",
            "summary": "【演示数据】Tối ưu hóa quy trình thấm cacbon và tôi cùng đồ gá, "
            "giảm 60% biến dạng bánh răng hộp số; đã thử nghiệm trung gian tại nhà máy hộp số.",
            "translations": {
                "en": {
                    "title": "Gear carburizing and quenching deformation control",
                    "summary": "Optimised carburizing and quenching heat treatment with fixtures cuts gear "
                    "deformation by 60%; piloted in a gearbox plant.",
                }
            },
            "keywords": ["bánh răng", "nhiệt luyện", "thấm cacbon"],
            "technology_field": "03",
            "trl": 6,
            "cooperation_modes": ["transfer", "licence"],
        },
    },
    {
        "person": (f"somchai.k@{DEMO_EMAIL_DOMAIN}", "สมชาย กิตติวงศ์", "+66812345678", "en"),
        "organization": {
            "name": "บริษัท สยามอีวีแบตเตอรี่ จำกัด",
            "name_en": "Siam EV Battery Co., Ltd.",
            "type": "enterprise",
            "country": "TH",
            "registration_id": "0105599777668",
            "foreign_region": "Bangkok",
            "entity_type_code": "300",
        },
        "achievement": {
            "language": "th",
            "title": "ระบบจัดการแบตเตอรี่ลิเธียมสำหรับรถยนต์ไฟฟ้า",
            "summary": "【演示数据】ระบบจัดการแบตเตอรี่ (BMS) สำหรับรถยนต์ไฟฟ้า ยืดอายุการใช้งานแบตเตอรี่ 20%",
            "translations": {
                "en": {
                    "title": "Lithium battery management system for electric vehicles",
                    "summary": "A battery management system (BMS) for electric vehicles that extends battery "
                    "life by 20%.",
                }
            },
            "keywords": ["แบตเตอรี่", "รถยนต์ไฟฟ้า"],
            "technology_field": "06",
            "trl": 5,
            "cooperation_modes": ["licence", "cooperative"],
        },
    },
)


def load_asean(*, reviewer: User, progress: Progress) -> list[int]:
    """Create the ASEAN enterprises and their listings; returns the new achievements' ids (for matching)."""
    if Organization.objects.filter(country__alpha2="VN", registration_id="0109998883").exists():
        progress("organisation", "ASEAN enterprises", created=False, count=0)
        return []
    achievement_ids = []
    for enterprise in ENTERPRISES:
        email, name, phone, language = enterprise["person"]
        user = User.objects.create(
            email=email, name=name, phone=phone, preferred_language=language, password=make_password(DEMO_PASSWORD)
        )
        organization = organization_create(actor=user, **enterprise["organization"])
        organization_verify(actor=reviewer, organization=organization, approve=True)
        progress("user", f"{email} {name}", created=True)
        progress("membership", f"{email} admin", created=True)
        progress(
            "organisation",
            f"{organization.country.alpha2} {organization.registration_id} {organization.name}",
            created=True,
        )
        achievement = achievement_create(actor=user, data={**enterprise["achievement"], "owner_id": organization.pk})
        listing_submit(actor=user, listing=achievement)
        listing_review(actor=reviewer, listing=type(achievement).objects.get(pk=achievement.pk), approve=True)
        progress("listing", f"{achievement.language} {achievement.title}", created=True)
        achievement_ids.append(achievement.pk)
        if organization.country.alpha2 == "VN":
            _vietnamese_patents(user, organization, progress)
    return achievement_ids


def _vietnamese_patents(user: User, organization: Organization, progress: Progress) -> None:
    common = {"owner_id": organization.pk, "kind": "invention", "family_id": "HNHT-GEAR-2023", "ipc_main": "C21D 9/32"}
    ip_asset_create(
        actor=user,
        data={
            **common,
            "title": "Phương pháp kiểm soát biến dạng bánh răng khi thấm cacbon",
            "office": "VN",
            "application_number": "1-2023-01234",
            "filing_date": date(2023, 3, 1),
        },
    )
    ip_asset_create(
        actor=user,
        data={
            **common,
            "title": "Method for controlling gear deformation in carburizing",
            "office": "WO",
            "application_number": "PCT/VN2024/000123",
            "filing_date": date(2024, 2, 28),
            "priority_claims": [{"office": "VN", "number": "1-2023-01234", "date": date(2023, 3, 1)}],
        },
    )
    progress("IP asset", "VN 1-2023-01234 and PCT/VN2024/000123 (priority VN 2023-03-01)", created=True, count=2)
