"""JSON bodies in UTF-8 only (RFC 8259 §8.1).

DRF's JSONParser decodes a body with whatever ``charset`` its Content-Type names, so a client that
declared ``charset=latin-1`` and sent UTF-8 had its Chinese text stored as mojibake. This parser
answers 415 ``unsupported_media_type`` to any charset but UTF-8; without a charset, UTF-8 is assumed.
"""

from __future__ import annotations

import codecs
from typing import Any

from django.utils.http import parse_header_parameters
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers


def declared_charset(media_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type, lower-cased, or None when there is none."""
    if not media_type:
        return None
    _main, params = parse_header_parameters(media_type)
    charset = params.get("charset")
    return charset.strip().lower() if charset is not None else None


def is_utf8(charset: str) -> bool:
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False


class UTF8JSONParser(parsers.JSONParser):
    """JSONParser that refuses a body declared in any charset but UTF-8 (415), and decodes as UTF-8."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        charset = declared_charset(media_type)
        if charset is not None and not is_utf8(charset):
            raise exceptions.UnsupportedMediaType(
                media_type or "",
                detail=_("JSON must be encoded in UTF-8; this body declares charset=%(charset)s.")
                % {"charset": charset[:40]},
            )
        context = dict(parser_context or {})
        context["encoding"] = "utf-8"
        return super().parse(stream, media_type, context)
