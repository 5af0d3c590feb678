"""Deprecated operations and parameters, declared once, announced on every use.

A view method decorated with :func:`deprecated` answers, when the deprecated thing is used (the whole
operation, or one of the named query or body parameters), with

- ``Deprecation: @<unix time>`` (RFC 9745): since when it is deprecated;
- ``Sunset: <HTTP-date>`` (RFC 8594): after which it may stop working;
- ``Link: <changelog#anchor>; rel="deprecation"``: the changelog entry that says what to use instead.

The dates live in ``settings.API_DEPRECATIONS`` under the decorator's key (so an operator can see all
of them in one place and a sunset can be moved without touching views); the schema marks the operation
``deprecated: true`` (body fields: ``extend_schema_serializer(deprecate_fields=…)`` on the serializer,
query parameters: ``OpenApiParameter(deprecated=True)``) and :func:`document_deprecations` adds the
dates to the operation's description. The policy is docs/api-changelog.md's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

from django.conf import settings
from django.utils.http import http_date
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

Handler = TypeVar("Handler", bound=Callable[..., Response])
ATTRIBUTE = "_api_deprecation"


@dataclass(frozen=True)
class DeprecationNotice:
    key: str
    parameters: tuple[str, ...]  # empty: the whole operation

    @property
    def since(self) -> date:
        return date.fromisoformat(_entry(self.key)["since"])

    @property
    def sunset(self) -> date:
        return date.fromisoformat(_entry(self.key)["sunset"])

    @property
    def link(self) -> str:
        return f"{settings.API_CHANGELOG_URL}#{_entry(self.key)['changelog']}"

    def used_by(self, request: Request) -> bool:
        if not self.parameters:
            return True
        body = request.data if isinstance(request.data, Mapping) else {}
        return any(name in request.query_params or name in body for name in self.parameters)

    def headers(self) -> dict[str, str]:
        since = datetime.combine(self.since, datetime.min.time(), tzinfo=UTC)
        sunset = datetime.combine(self.sunset, datetime.min.time(), tzinfo=UTC)
        return {
            "Deprecation": f"@{int(since.timestamp())}",
            "Sunset": http_date(sunset.timestamp()),
            "Link": f'<{self.link}>; rel="deprecation"; type="text/markdown"',
        }


def _entry(key: str) -> Mapping[str, str]:
    return settings.API_DEPRECATIONS[key]


def deprecated(key: str, *, parameters: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
    """Mark a view method (or some of its parameters) deprecated under ``settings.API_DEPRECATIONS[key]``."""
    _entry(key)  # an unknown key fails at import, not on the first request
    notice = DeprecationNotice(key=key, parameters=parameters)

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            response = handler(view, request, *args, **kwargs)
            if notice.used_by(request):
                for name, value in notice.headers().items():
                    if name == "Link" and response.get("Link"):
                        value = f"{response['Link']}, {value}"
                    response[name] = value
            return response

        setattr(wrapper, ATTRIBUTE, notice)
        decorated = extend_schema(deprecated=True)(wrapper) if not parameters else wrapper
        return cast(Handler, decorated)

    return decorate


def notice_for(view_class: type, method: str) -> DeprecationNotice | None:
    handler = getattr(view_class, method.lower(), None)
    notice = getattr(handler, ATTRIBUTE, None)
    return notice if isinstance(notice, DeprecationNotice) else None


def document_deprecations(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the dates and the changelog link in each deprecated
    operation's description, and ``x-deprecation`` for tools."""
    paths = result.get("paths", {})
    for path, _regex, method, callback in generator.endpoints or []:
        view_class = getattr(callback, "cls", None)
        notice = notice_for(view_class, method) if view_class is not None else None
        operation = paths.get(path, {}).get(method.lower())
        if notice is None or operation is None:
            continue
        what = (
            "This operation is deprecated"
            if not notice.parameters
            else f"The parameter(s) {', '.join(f'`{p}`' for p in notice.parameters)} are deprecated"
        )
        note = (
            f"**Deprecated:** {what} since {notice.since.isoformat()} and may stop working after "
            f"{notice.sunset.isoformat()} (sunset); see the [API changelog]({notice.link}). Using it "
            'answers with `Deprecation`, `Sunset` and `Link: …; rel="deprecation"` headers.'
        )
        operation["description"] = f"{operation.get('description', '')}\n\n{note}".strip()
        operation["x-deprecation"] = {
            "since": notice.since.isoformat(),
            "sunset": notice.sunset.isoformat(),
            "parameters": list(notice.parameters),
            "changelog": notice.link,
        }
    return result
