"""A short-lived cache of the anonymous list and search pages of achievements and demands, shared by every
process through the cache (Redis).

Most of the market's traffic is anonymous visitors paging, filtering and searching the same public lists;
a page's bytes are the same for all of them until a listing changes. A page is stored with the
**generation** it was built under, the value of the PostgreSQL sequence ``listings_public_generation``
that triggers advance on every write to achievements, demands, achievement industries and organisations
(migration 0007: whatever writes, ORM, importer, ``update()``, admin or psql). A stored page is served
only while the generation is unchanged, so a write is visible on the next request, and
``LISTING_PAGE_CACHE_SECONDS`` bounds what no trigger sees (a renamed technology field or region).

The generation is read before the page is built: a page built while a write commits is stored under the
older generation, which the commit has already moved past. The commit's own advance runs in a deferred
trigger just before the commit becomes visible; a reader between the two stores a page that lives until
the next write or the expiry.

Only anonymous reads are stored and served (a signed-in reader may see their own organisation's drafts,
and the rate-limit headers of an account differ); authentication and the rate limit run before the cache
is asked, as for any request. The key holds everything the bytes depend on: the kind, the path with its
query string as sent, the scheme and host (the next/previous links are absolute), and the language
(``status_display``).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.utils.translation import get_language
from rest_framework.request import Request

from apps.accounts.throttles import CACHE_UNAVAILABLE

logger = logging.getLogger(__name__)

KEY_PREFIX = "listings:page:"
# Header naming whether the page came from the cache (HIT) or was built (MISS); only on anonymous pages.
CACHE_HEADER = "X-Listings-Cache"


def cacheable(request: Request) -> bool:
    """Whether this request's page may be stored and served: an anonymous JSON read."""
    return (
        settings.LISTING_PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and not request.user.is_authenticated
        and request.auth is None
        and getattr(request.accepted_renderer, "format", None) == "json"
    )


def generation() -> int:
    """The current value of the listings' write counter (one primary-key-sized read)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM listings_public_generation")
        return int(cursor.fetchone()[0])


def page_key(kind: str, request: Request) -> str:
    raw = "\x1f".join((kind, get_language() or "", request.scheme or "", request.get_host(), request.get_full_path()))
    return KEY_PREFIX + hashlib.blake2b(raw.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()


def cached_response(key: str, current: int) -> HttpResponse | None:
    """The stored page if it was built under the ``current`` generation; None otherwise (or without Redis)."""
    try:
        stored = cache.get(key)
    except CACHE_UNAVAILABLE:
        return None
    if not stored or stored[0] != current:
        return None
    _generation, content_type, body = stored
    response = HttpResponse(body, content_type=content_type)
    response[CACHE_HEADER] = "HIT"
    return response


def store(key: str, built_under: int, content_type: str, body: bytes) -> None:
    try:
        cache.set(key, (built_under, content_type, body), settings.LISTING_PAGE_CACHE_SECONDS)
    except CACHE_UNAVAILABLE:
        logger.debug("listing page not cached: the cache is unavailable")


def store_after_render(response: Any, key: str, built_under: int) -> None:
    """Store ``response`` (a DRF response, rendered later) once rendered, if it is a 200."""
    response[CACHE_HEADER] = "MISS"

    def _store(rendered: Any) -> None:
        if rendered.status_code == 200:
            store(key, built_under, rendered["Content-Type"], bytes(rendered.content))

    response.add_post_render_callback(_store)
