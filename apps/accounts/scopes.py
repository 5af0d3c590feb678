"""What an API key may do: scopes per resource family, read or write.

A scope is ``<family>:<access>``: ``family`` one of :data:`SCOPE_FAMILIES` or ``*`` (every family),
``access`` ``read`` (GET, HEAD, OPTIONS), ``write`` (every other method) or ``*`` (both). Write does
not imply read: a key that creates demands and reads their matches holds ``listings:write``,
``listings:read`` and ``matching:read`` (or ``listings:*``).

Every API operation belongs to one family, found from its path by :data:`OPERATION_FAMILIES` (first
match wins); ``tests/accounts/test_api_key_scopes.py`` walks every operation of the schema and fails
when one matches no family, so a new endpoint cannot be forgotten. A path that matches none is refused
to every API key (fails closed). People (JWT sessions) are not limited by scopes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

READ, WRITE, ANY = "read", "write", "*"

# The resource families, with what each covers (documented in the schema's security scheme).
SCOPE_FAMILIES: dict[str, str] = {
    "listings": "achievements, demands, their attachments, NDA requests, bulk import and export",
    "matching": "matches, match feedback, the matching quality report",
    "challenges": "challenges (揭榜挂帅), bids, milestones, tranches",
    "brokers": "brokers, introductions, scorecards, commissions",
    "deals": "deals, their activities, brokers and history",
    "contracts": "technology contracts, deductions, payments, registrations (认定登记), documents, the evidence chain; "
    "escrow settlement, after-deal reports, royalties, revenue sharing",
    "custody": "IP custody: agreements, custody assets, annuity payments, pledges, portfolio, calendar",
    "ip": "IP assets and their legal events, indicative valuation worksheets",
    "subsidies": "post-subsidy (后补助) policies, rounds, claims, reviews and disbursements",
    "stats": "transaction statistics and reports",
    "organizations": "organisations, members, verification",
    "notifications": "in-app notifications",
    "reference": "reference data: fields, industries, regions, countries, entity types",
    "account": "the key's own profile (/me)",
    "webhooks": "webhook subscriptions, their deliveries, redelivery, secret rotation",
    "imports": "bulk import jobs: their status and report",
    "changes": "the changes feed (created, updated, deleted entries to mirror)",
    "alerts": "saved searches, their previews and digests",
    "finance": "technology finance: products, financing requests, applications, risk compensation pools",
    "markets": "the market network: markets, their operators",
    "experts": "the expert pool, review panels, blind scoring",
    "events": "roadshows and matchmaking events (对接会): registrations, slots, attendance, attributed deals",
    "trading": "listed sales (挂牌), notices, objections, auctions, deposits and bids",
}
PUBLIC = ""  # operations anyone may call (the API root, the schema and its viewers): no scope needed

# (pattern on the path below /api/v1/, family): the first that matches names the operation's family.
OPERATION_FAMILIES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), family)
    for pattern, family in (
        (r"^$", PUBLIC),
        (r"^(schema|docs|redoc)/$", PUBLIC),
        (r"^(achievements|demands)/[^/]+/matches$", "matching"),
        (r"^(matches|matching)(/|$)", "matching"),
        (r"^(achievements|demands|nda-requests)(/|$)", "listings"),
        (r"^custody/assets/[^/]+/to-market$", "custody"),
        (r"^custody(/|$)", "custody"),
        (r"^(challenges|bids|milestones)(/|$)", "challenges"),
        (r"^(brokers|introductions)(/|$)", "brokers"),
        (r"^deals(/|$)", "deals"),
        (r"^(contracts|registrations|evidence)(/|$)", "contracts"),
        # After signing (apps.settlement): escrow settlement, royalties, revenue sharing are contract money.
        (r"^(settlement|royalty-reports|income-allocations)(/|$)", "contracts"),
        (r"^organizations/[^/]+/(distribution-schemes|income-allocations)(/|$)", "contracts"),
        (r"^me/income-allocations$", "contracts"),
        (r"^(ip-assets|ip-valuations)(/|$)", "ip"),
        (r"^subsidies(/|$)", "subsidies"),
        (r"^stats(/|$)", "stats"),
        (r"^markets(/|$)", "markets"),
        (r"^(experts|expert-reviews)(/|$)", "experts"),
        (r"^events(/|$)", "events"),
        (r"^(organizations|api-keys)(/|$)", "organizations"),
        (r"^notifications(/|$)", "notifications"),
        (r"^reference(/|$)", "reference"),
        (r"^(me|auth)(/|$)", "account"),
        (r"^webhooks(/|$)", "webhooks"),
        (r"^import-jobs(/|$)", "imports"),
        (r"^changes(/|$)", "changes"),
        (r"^saved-searches(/|$)", "alerts"),
        (r"^finance(/|$)", "finance"),
        (r"^trading(/|$)", "trading"),
        (r"^open-data/", PUBLIC),
    )
)
API_PREFIX = "/api/v1/"

# What keys created before scopes existed had, by their old all-or-nothing ``scope``.
LEGACY_SCOPES: dict[str, list[str]] = {"read": ["*:read"], "read_write": ["*:*"]}
DEFAULT_SCOPES = LEGACY_SCOPES["read"]

# Every scope a key can hold, in a stable order (the schema's enum).
ALL_SCOPES: list[str] = [f"{family}:{access}" for family in (ANY, *SCOPE_FAMILIES) for access in (READ, WRITE, ANY)]

_SCOPE_RE = re.compile(r"^(?P<family>[a-z*]+):(?P<access>read|write|\*)$")


def operation_family(path: str) -> str | None:
    """The family of the API operation at ``path`` (a request path or a schema path), or None."""
    if not path.startswith(API_PREFIX):
        return None
    rest = path[len(API_PREFIX) :]
    for pattern, family in OPERATION_FAMILIES:
        if pattern.search(rest):
            return family
    return None


def required_scope(family: str, *, safe: bool) -> str:
    return f"{family}:{READ if safe else WRITE}"


def is_valid_scope(scope: str) -> bool:
    match = _SCOPE_RE.match(scope)
    return match is not None and (match["family"] == ANY or match["family"] in SCOPE_FAMILIES)


def scopes_allow(scopes: Iterable[str], needed: str) -> bool:
    """Whether a key holding ``scopes`` may do ``needed`` (``family:read`` or ``family:write``)."""
    family, _sep, access = needed.partition(":")
    for held in scopes:
        held_family, _sep, held_access = held.partition(":")
        if held_family in (family, ANY) and held_access in (access, ANY):
            return True
    return False


def normalize_scopes(scopes: Iterable[str]) -> list[str]:
    """Sorted, without duplicates (the caller has validated each)."""
    return sorted(set(scopes))


def legacy_scope_for(scopes: Iterable[str]) -> str:
    """The old all-or-nothing label a key's scopes come to: ``read_write`` if it may write anything."""
    return "read_write" if any(s.partition(":")[2] in (WRITE, ANY) for s in scopes) else "read"
