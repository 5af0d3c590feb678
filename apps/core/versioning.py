"""Optimistic concurrency over HTTP: ``ETag`` from a record's version on reads, ``If-Match`` on writes.

A contested record (a deal, a contract) carries an integer ``version`` that rises by one on every
change. Reads send it as a strong entity tag, ``ETag: "7"``. A write must send it back,
``If-Match: "7"``:

- no ``If-Match`` → **428 Precondition Required**, code ``precondition_required``;
- a malformed one → **400**, code ``invalid_if_match``;
- a version that is no longer current → **412 Precondition Failed**, code ``stale_version``, with
  ``current_version`` in the problem body and the current ``ETag``; the client re-reads and retries.

A read with ``If-None-Match: "7"`` may be answered **304** without a body while the version is
still 7 (:func:`if_none_match_matches`).

Weak tags (``W/"7"``) are accepted as the same version: proxies that compress responses weaken
strong tags, and the comparison that matters is done by the database anyway. ``*`` is refused
(428): a client must say which version it read.

The check that counts is the conditional update in the service
(``UPDATE ... SET version = version + 1 WHERE id = ... AND version = expected``); parsing the header
here only gets the expected version to it. Usage in an API view::

    from apps.core.versioning import IF_MATCH_PARAMETER, PRECONDITION_RESPONSES, require_if_match, with_etag

    @extend_schema(parameters=[IF_MATCH_PARAMETER], responses={200: DealOutputSerializer, **PRECONDITION_RESPONSES})
    def patch(self, request: Request, deal_id: int) -> Response:
        expected = require_if_match(request)
        deal = deal_update(actor=..., deal=..., expected_version=expected, data=...)
        return with_etag(Response(DealOutputSerializer(deal).data), deal.version)

and in the service, when the conditional update touched no row::

    raise stale_version_error(current_version=Deal.objects.values_list("version", flat=True).get(pk=pk))
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.errors import ApplicationError, ErrorCode


class VersionError:
    STALE = "stale_version"
    PRECONDITION_REQUIRED = ErrorCode.PRECONDITION_REQUIRED.value
    INVALID_IF_MATCH = "invalid_if_match"


_TAG = re.compile(r'^\s*(?:W/)?"(\d{1,18})"\s*$')

IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description='The ETag of the version you read, e.g. "3". Missing: 428; no longer current: 412.',
)
PRECONDITION_RESPONSES: dict[int, OpenApiResponse] = {
    412: OpenApiResponse(
        description="The record changed since you read it (stale_version); the body gives current_version."
    ),
    428: OpenApiResponse(description="If-Match is required on this write (precondition_required)."),
}
ETAG_HEADER_PARAMETER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    response=True,
    description='The record\'s version as an entity tag, e.g. "3": send it back in If-Match.',
)


def etag_for(version: int, *, weak: bool = False) -> str:
    """The entity tag of ``version``: ``"7"``, or ``W/"7"`` when ``weak``."""
    tag = f'"{int(version)}"'
    return f"W/{tag}" if weak else tag


def with_etag(response: Response, version: int, *, weak: bool = False) -> Response:
    """Set ``ETag`` on ``response`` and return it."""
    response["ETag"] = etag_for(version, weak=weak)
    return response


def if_none_match_matches(request: Request, version: int) -> bool:
    """True when the client's ``If-None-Match`` already names ``version`` (answer 304; weak comparison)."""
    raw = request.headers.get("If-None-Match", "")
    if raw.strip() == "*":
        return True
    for part in raw.split(","):
        match = _TAG.match(part)
        if match is not None and int(match.group(1)) == version:
            return True
    return False


def parse_if_match(value: str) -> int:
    """The version in an If-Match value; a list of tags must all name one version. Raises 400 or 428."""
    value = value.strip()
    if value == "*":
        raise ApplicationError(
            _('If-Match "*" is not accepted here: send the ETag of the version you read.'),
            code=VersionError.PRECONDITION_REQUIRED,
            status=428,
        )
    versions = set()
    for part in value.split(","):
        match = _TAG.match(part)
        if match is None:
            raise ApplicationError(
                _('If-Match must be an entity tag such as "3".'), code=VersionError.INVALID_IF_MATCH, status=400
            )
        versions.add(int(match.group(1)))
    if len(versions) != 1:
        raise ApplicationError(
            _("If-Match must name exactly one version."), code=VersionError.INVALID_IF_MATCH, status=400
        )
    return versions.pop()


def require_if_match(request: Request) -> int:
    """The version the client read, from ``If-Match``; 428 when the header is missing."""
    raw = request.headers.get("If-Match")
    if raw is None or not raw.strip():
        raise ApplicationError(
            _("This write needs an If-Match header with the ETag you read."),
            code=VersionError.PRECONDITION_REQUIRED,
            status=428,
        )
    return parse_if_match(raw)


def stale_version_error(*, current_version: int) -> ApplicationError:
    """The 412 to raise when a conditional update found the record at another version."""
    return ApplicationError(
        _("The record changed since you read it. Read it again and retry."),
        code=VersionError.STALE,
        status=412,
        extra={"current_version": current_version},
    )


def check_version(*, expected: int, current: int) -> None:
    """Raise the 412 early when the version already read is known to be stale (saves work before the update)."""
    if expected != current:
        raise stale_version_error(current_version=current)
