"""The demo logins, for the launcher to print. Importable before Django is set up (no ORM here).

Every demo account shares one password. ``load_demo_data`` refuses to run with DEBUG off unless
forced, so these accounts do not reach production by accident.
"""

from __future__ import annotations

from apps.demo.data import DEMO_PEOPLE, ORGANIZATIONS_BY_KEY, DemoPerson

# Public on purpose: it is printed by the launcher and documented in the README.
DEMO_PASSWORD = "Liuzhou-Demo-2026"  # noqa: S105

_TYPE_LABELS = {
    "enterprise": "enterprise",
    "university": "university",
    "research_institute": "research institute",
    "broker_agency": "broker agency",
    "ip_agency": "IP agency",
    "market_operator": "operator",
    "bank": "bank",
    "guarantee_company": "guarantee company",
    "investor": "investor",
}


def _describe(person: DemoPerson) -> str:
    organization = ORGANIZATIONS_BY_KEY[person.organization_key]
    role = f"{_TYPE_LABELS[organization.type]} {person.role}"
    if person.note:
        role += f" ({person.note})"
    return f"{role} — {organization.name}"


DEMO_LOGINS: list[tuple[str, str]] = [(person.email, _describe(person)) for person in DEMO_PEOPLE]
