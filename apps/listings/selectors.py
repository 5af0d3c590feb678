"""Reads of listings, scoped to the acting user.

Published teasers are public (anonymous readers included). Drafts, submissions under review, rejected,
withdrawn, expired and transferred listings are seen by the owner's members and the operator only: to
anyone else they do not exist (404). The confidential part is a separate read with its own check
(:func:`confidential_access`), and every such read by someone outside the owner is logged.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxLengthValidator
from django.db import connection
from django.db.models import BooleanField, F, Func, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.exceptions import ErrorDetail, ValidationError

from apps.core.errors import ApplicationError
from apps.ip.models import IPAsset
from apps.listings import search, teasers
from apps.listings.models import (
    Achievement,
    Attachment,
    ConfidentialAccess,
    Demand,
    ListingEvent,
    ListingStatus,
    NdaRequest,
    NdaStatus,
)
from apps.markets.access import operated_markets_condition
from apps.organizations.access import Actor, is_operator, organization_ids

Listing = Achievement | Demand


def listing_visible_qs(model: type[Listing], actor: Actor | None) -> QuerySet[Any]:
    qs = model.objects.all()
    if is_operator(actor):
        return qs
    visible = Q(status=ListingStatus.PUBLISHED) | Q(owner_id__in=organization_ids(actor))
    # A market operator sees every listing of the markets it operates (its review queue), and the rest of
    # the network as everyone does.
    operated = operated_markets_condition(actor)
    if operated is not None:
        visible |= operated
    return qs.filter(visible)


def search_query(text: str) -> SearchQuery | None:
    """The tsquery for a user's search text: every segmented word must match; None when nothing is left."""
    words = search.query_text(text)
    if not words:
        return None
    return SearchQuery(words, config="simple", search_type="plain")


def _apply_filters(filterset: Any) -> QuerySet[Any]:
    if not filterset.is_valid():
        raise ValidationError(
            {
                field: [ErrorDetail(error["message"], code=error["code"] or "invalid") for error in errors]
                for field, errors in filterset.form.errors.get_json_data().items()
            }
        )
    return filterset.qs


# Parameters the filter set only validates; the selector applies them (see _check_search_text).
_NOT_FILTERS = frozenset({"q", "ordering"})


def _check_search_text(params: Any) -> None:
    try:
        MaxLengthValidator(search.SEARCH_TEXT_MAX)(params.get("q") or "")
    except DjangoValidationError as exc:
        raise ValidationError({"q": [ErrorDetail(str(m), code="max_length") for m in exc.messages]}) from exc


def _listing_list(model: type[Listing], *, actor: Actor | None, filters: Any) -> QuerySet[Any]:
    from apps.listings.filters import AchievementFilter, DemandFilter

    filterset_class = AchievementFilter if model is Achievement else DemandFilter
    params = filters.copy() if hasattr(filters, "copy") else dict(filters or {})
    _check_search_text(params)
    qs = listing_visible_qs(model, actor)
    filtered = any(name in params for name in filterset_class.base_filters if name not in _NOT_FILTERS)
    if filtered:
        # Building a filter set copies every filter and form field: skipped when no filter is asked for.
        filterset = filterset_class(params, queryset=qs, request=None)
        filterset.actor = actor
        qs = _apply_filters(filterset)
    # The default view is the market: published listings. Owners ask for theirs with mine=true or status=…
    if not params.get("status") and params.get("mine") not in ("true", "1", "True") and not params.get("external_id"):
        qs = qs.filter(status=ListingStatus.PUBLISHED)
    query = search_query(params.get("q", "")) if params.get("q") else None
    if query is None:
        return qs
    if listing_ordering(params) != "relevance":
        return qs.filter(search_vector=query)
    # Ranking every match of a common word (技术 is in half the market) costs one ts_rank per match;
    # the newest LISTING_SEARCH_RANK_WINDOW matches are ranked instead, which is as deep as relevance
    # pages go. Ordering by date reaches every match.
    window = _rank_window(qs, model, query, search.query_text(params["q"]).split(), filtered=filtered)
    return (
        model.objects.filter(pk__in=window)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", "-id")
    )


class _ScanMatch(Func):
    """``search_vector @@ query`` in a form no index can answer: checked row by row while walking ids."""

    arg_joiner = " @@ "
    template = "(%(expressions)s) IS TRUE"
    output_field = BooleanField()


def _rank_window(
    qs: QuerySet[Any], model: type[Listing], query: SearchQuery, words: list[str], *, filtered: bool = False
) -> list[int]:
    """The ids of the newest matches, at most LISTING_SEARCH_RANK_WINDOW of them.

    Two ways to find them, and PostgreSQL's planner cannot tell which is cheaper when several words are
    asked for together (it takes them as independent, and 螺蛳 and 粉 are not) or when filters thin the
    matches out: walking the id index backwards and checking each row costs about a microsecond per
    row read, so it suits words in many listings; the GIN index lists every match of the words, a few
    microseconds each, so it suits rare words.

    Rare words (the column's statistics say so) go to the GIN index at once: every match is ranked.
    For words that are each common, the newest LISTING_SEARCH_SCAN_ROWS rows are walked first. If they
    held too few matches, the search goes on by whichever way costs less: walking as far as the density
    found says the rest lie, or the GIN index for the words' older matches. When both would be long
    (common words that filters or each other make rare), the walk goes on for at most
    _WALK_LIMIT_SCANS × LISTING_SEARCH_SCAN_ROWS more rows and the window is the matches found so far
    (relevance among the newest listings; every match stays reachable ordered by date), unless that is
    less than a tenth of a window: then the GIN index supplies the older matches, whatever it costs,
    rather than a search that says "nothing" when something is there.

    With filters (``filtered``), a walk takes its candidates from the ``*_walk`` index, which holds
    every filterable column, and reads the rows (and vectors) of those candidates only.
    """
    size = settings.LISTING_SEARCH_RANK_WINDOW
    # Ordered by id + 0, the id index cannot serve the order: PostgreSQL takes the matches from the
    # GIN index and sorts them, instead of walking all the ids for a rare word.
    from_index = qs.filter(search_vector=query).order_by((F("id") + 0).desc()).values_list("pk", flat=True)
    statistics = word_statistics(model)
    frequency = min((statistics.frequencies.get(word, 0.0) for word in words), default=0.0)
    scan = settings.LISTING_SEARCH_SCAN_ROWS
    if frequency < size / (2 * scan):
        return list(from_index[:size])
    # No upper bound: rows newer than a cached newest id are walked too.
    floor = newest_id(model) - scan
    ids = _walk(qs, query, above=floor, below=None, size=size, filtered=filtered)
    if len(ids) >= size:
        return ids
    # Rows to walk for the rest, going by the density found, against the GIN index's cost: the words'
    # matches (at most the rarest word's), at about three rows of walking each.
    walk_rows = (size - len(ids)) * scan / len(ids) * 1.5 if ids else math.inf
    index_rows = frequency * statistics.rows
    limit = _WALK_LIMIT_SCANS * scan
    if walk_rows <= min(3 * index_rows, limit):
        return ids + _walk(
            qs, query, above=floor - math.ceil(walk_rows), below=floor, size=size - len(ids), filtered=filtered
        )
    if index_rows > scan:
        ids += _walk(qs, query, above=floor - limit, below=floor, size=size - len(ids), filtered=filtered)
        floor -= limit
        if len(ids) >= size // 10:
            return ids
        # Not even a page among the newest listings: the GIN index finds the older matches, whatever
        # it costs, rather than a search that says "nothing" when something is there.
    return ids + list(from_index.filter(pk__lte=floor)[: size - len(ids)])


_WALK_LIMIT_SCANS = 2


def _walk(
    qs: QuerySet[Any], query: SearchQuery, *, above: int, below: int | None, size: int, filtered: bool = False
) -> list[int]:
    """The newest ``size`` matches with ids in (above, below], read row by row down the id index."""
    span = qs.filter(pk__gt=above) if below is None else qs.filter(pk__gt=above, pk__lte=below)
    if filtered and settings.LISTING_SEARCH_COVERING_WALK:
        # The filters alone, answered from the covering index; the vectors of what passes, from the rows.
        span = qs.model.objects.filter(pk__in=span.values("pk"))
    walked = span.filter(_ScanMatch(F("search_vector"), query)).order_by("-id")
    return list(walked.values_list("pk", flat=True)[:size])


class _ProcessCache:
    """Values per table, kept by this process for ``ttl_s`` seconds (no shared state, no invalidation)."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._values: dict[str, tuple[float, Any]] = {}

    def get(self, key: str, load: Callable[[], Any]) -> Any:
        cached = self._values.get(key)
        if cached is not None and time.monotonic() - cached[0] < self.ttl_s:
            return cached[1]
        value = load()
        self._values[key] = (time.monotonic(), value)
        return value

    def clear(self) -> None:
        self._values.clear()


_NEWEST_IDS = _ProcessCache(ttl_s=10.0)


def newest_id(model: type[Listing]) -> int:
    """The highest id of the table, read at most every ten seconds by a process.

    A literal bound lets the planner see that the walk covers the newest rows only; a stale value
    only makes the walk a little longer, since it has no upper bound.
    """
    return int(
        _NEWEST_IDS.get(
            model._meta.db_table, lambda: model.objects.order_by("-id").values_list("pk", flat=True).first() or 0
        )
    )


@dataclass(frozen=True)
class WordStatistics:
    rows: float  # the table's row count as last analysed
    frequencies: dict[str, float]  # share of rows holding each of the most common words


_STATISTICS = _ProcessCache(ttl_s=600.0)


def word_statistics(model: type[Listing]) -> WordStatistics:
    """How common the column's most common words are (PostgreSQL's statistics of the search vector).

    Read once per process every ten minutes; empty before the table was first analysed.
    """
    table = model._meta.db_table
    statistics: WordStatistics = _STATISTICS.get(table, lambda: _read_word_statistics(table))
    return statistics


def _read_word_statistics(table: str) -> WordStatistics:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.reltuples, s.most_common_elems::text::text[], s.most_common_elem_freqs"
            " FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = current_schema()"
            " AND s.tablename = c.relname AND s.attname = 'search_vector'"
            " WHERE c.oid = %s::regclass",
            [table],
        )
        row = cursor.fetchone()
    rows, words, shares = row if row else (0.0, None, None)
    frequencies: dict[str, float] = dict(zip(words or [], shares or [], strict=False))
    return WordStatistics(rows=max(float(rows or 0), 0.0), frequencies=frequencies)


def with_related(qs: QuerySet[Any], model: type[Listing]) -> QuerySet[Any]:
    qs = qs.select_related("technology_field", "owner", "region").defer(
        "confidential_detail", "search_head", "search_body", "search_vector"
    )
    if model is Achievement:
        return qs.prefetch_related("industries")
    return qs.select_related("industry")


ORDERINGS = ("relevance", "-published_at", "published_at", "-created_at", "created_at")


def listing_ordering(params: Any) -> str:
    """relevance when searching, newest published otherwise, unless the caller says."""
    ordering = params.get("ordering") or ("relevance" if params.get("q") else "-published_at")
    if ordering not in ORDERINGS:
        raise ValidationError(
            {"ordering": [ErrorDetail(_("Unknown ordering; use one of: %s.") % ", ".join(ORDERINGS), code="invalid")]}
        )
    if ordering == "relevance" and search_query(params.get("q") or "") is None:
        # Nothing to rank by (no search words, or only stop words): newest first.
        return "-published_at"
    return ordering


def achievement_list(*, actor: Actor | None, filters: Any = None) -> QuerySet[Achievement]:
    return _listing_list(Achievement, actor=actor, filters=filters or {})


def demand_list(*, actor: Actor | None, filters: Any = None) -> QuerySet[Demand]:
    return _listing_list(Demand, actor=actor, filters=filters or {})


_PUBLIC_ROWS: dict[type[Listing], QuerySet[Any]] = {}


def public_teaser_rows(model: type[Listing]) -> QuerySet[Any]:
    """The market's public list (published listings, as an anonymous reader without filters sees them)
    as teaser rows (:func:`apps.listings.teasers.teaser_rows`).

    Building this queryset (visibility, columns, the industries subquery) cost about as much Python as
    running it: for the busiest page it is built once per process and cloned per request (a clone
    never shares the original's result cache). It holds no actor, filter or language.
    """
    built = _PUBLIC_ROWS.get(model)
    if built is None:
        built = _PUBLIC_ROWS[model] = teasers.teaser_rows(_listing_list(model, actor=None, filters={}), model)
    return built.all()


def access_listing(model: type[Listing], *, actor: Actor, pk: int, with_relations: bool = True) -> Any:
    """The listing if the actor may see it, else 404. Sub-resources skip the relations they don't show."""
    qs = listing_visible_qs(model, actor).select_related("owner")
    if with_relations:
        qs = qs.select_related("technology_field", "region")
        if model is Achievement:
            qs = qs.prefetch_related("industries", Prefetch("ip_assets", queryset=IPAsset.objects.order_by("id")))
        else:
            qs = qs.select_related("industry", "region_preference")
    try:
        return qs.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_achievement(*, actor: Actor, pk: int) -> Achievement:
    return access_listing(Achievement, actor=actor, pk=pk)


def access_demand(*, actor: Actor, pk: int) -> Demand:
    return access_listing(Demand, actor=actor, pk=pk)


def link_name(listing: Listing) -> str:
    return "achievement" if isinstance(listing, Achievement) else "demand"


def is_owner_member(actor: Actor, listing: Listing) -> bool:
    return listing.owner_id in organization_ids(actor)


def accepted_nda_organization(actor: Actor, listing: Listing) -> int | None:
    """The actor's organisation holding an accepted NDA for this listing, if any."""
    orgs = organization_ids(actor)
    if not orgs:
        return None
    return (
        NdaRequest.objects.filter(**{link_name(listing): listing}, organization_id__in=orgs, status=NdaStatus.ACCEPTED)
        .values_list("organization_id", flat=True)
        .first()
    )


class ConfidentialGrant:
    """Why the actor may read the confidential part, and whether that read must be logged."""

    def __init__(self, *, reason: str, organization_id: int | None) -> None:
        self.reason = reason
        self.organization_id = organization_id

    @property
    def logged(self) -> bool:
        return self.reason != "owner"


def confidential_access(*, actor: Actor, listing: Listing) -> ConfidentialGrant:
    """The owner, the operator and organisations with an accepted NDA; anyone else gets a 403.

    The listing itself is visible (the caller fetched it through :func:`access_listing`), so refusing
    with 403 leaks nothing; the answer says that an NDA is the way in.
    """
    if is_owner_member(actor, listing):
        return ConfidentialGrant(reason="owner", organization_id=listing.owner_id)
    if is_operator(actor):
        return ConfidentialGrant(reason="operator", organization_id=next(iter(organization_ids(actor)), None))
    org_id = accepted_nda_organization(actor, listing)
    if org_id is not None and listing.status == ListingStatus.PUBLISHED:
        return ConfidentialGrant(reason="nda", organization_id=org_id)
    raise ApplicationError(
        _("The confidential part is shown to organisations whose NDA request the owner accepted."),
        code="nda_required",
        status=403,
    )


def viewer_access(*, actor: Actor, listing: Listing) -> str:
    """owner / operator / nda_accepted / nda_pending / none: what the actor's standing is, for the teaser."""
    if is_owner_member(actor, listing):
        return "owner"
    if is_operator(actor):
        return "operator"
    orgs = organization_ids(actor)
    if not orgs:
        return "none"
    statuses = set(
        NdaRequest.objects.filter(**{link_name(listing): listing}, organization_id__in=orgs).values_list(
            "status", flat=True
        )
    )
    if NdaStatus.ACCEPTED in statuses:
        return "nda_accepted"
    if NdaStatus.PENDING in statuses:
        return "nda_pending"
    return "none"


def attachment_list(*, actor: Actor, listing: Listing, include_confidential: bool) -> QuerySet[Attachment]:
    qs = Attachment.objects.filter(**{link_name(listing): listing}).order_by("id")
    return qs if include_confidential else qs.filter(is_public=True)


def access_attachment(*, listing: Listing, pk: int) -> Attachment:
    try:
        return Attachment.objects.get(pk=pk, **{link_name(listing): listing})
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def check_owner_or_operator(*, actor: Actor, listing: Listing) -> None:
    """Owner-side reads (events, NDA requests, access log); others see a 404 as if nothing were there."""
    if not (is_owner_member(actor, listing) or is_operator(actor)):
        raise Http404


def listing_events(*, actor: Actor, listing: Listing) -> QuerySet[ListingEvent]:
    check_owner_or_operator(actor=actor, listing=listing)
    return ListingEvent.objects.filter(**{link_name(listing): listing}).select_related("actor").order_by("id")


def nda_request_list(*, actor: Actor, listing: Listing) -> QuerySet[NdaRequest]:
    """The owner and the operator see every request; a requester sees its own organisations' requests."""
    qs = NdaRequest.objects.filter(**{link_name(listing): listing}).select_related("organization", "requested_by")
    if is_owner_member(actor, listing) or is_operator(actor):
        return qs
    return qs.filter(organization_id__in=organization_ids(actor))


def access_nda_request(*, actor: Actor, pk: int) -> NdaRequest:
    """Visible to the listing's owner, the requesting organisation and the operator."""
    try:
        request = NdaRequest.objects.select_related("organization", "achievement", "demand", "requested_by").get(pk=pk)
    except (NdaRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    orgs = organization_ids(actor)
    if request.listing.owner_id in orgs or request.organization_id in orgs or is_operator(actor):
        return request
    raise Http404


def confidential_access_log(*, actor: Actor, listing: Listing) -> QuerySet[ConfidentialAccess]:
    check_owner_or_operator(actor=actor, listing=listing)
    return (
        ConfidentialAccess.objects.filter(**{link_name(listing): listing})
        .select_related("organization", "user", "attachment")
        .order_by("-id")
    )
