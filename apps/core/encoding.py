"""JSON bodies in UTF-8 only (RFC 8259 §8.1).

DRF's JSONParser decodes a body with whatever ``charset`` its Content-Type names, so a client that
declared ``charset=latin-1`` and sent UTF-8 had its Chinese text stored as mojibake. This parser
answers 415 ``unsupported_media_type`` to any charset but UTF-8; without a charset, UTF-8 is assumed.

It also remembers which numbers were written with an exponent (``1e5``): they parse to
:class:`ExponentFloat`, a float in every other respect, so that money fields can refuse them.
"""

from __future__ import annotations

import codecs
from json import JSONDecodeError
from typing import Any

from django.utils.http import parse_header_parameters
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers
from rest_framework.utils import json


class ExponentFloat(float):
    """A JSON number written with an exponent (``1e5``, ``2.5E-3``)."""


def parse_json_float(literal: str) -> float:
    return ExponentFloat(literal) if "e" in literal or "E" in literal else float(literal)


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
        try:
            text = stream.read().decode("utf-8")
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant, parse_float=parse_json_float)
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(_("The request body is not valid UTF-8.")) from exc
        except JSONDecodeError as exc:
            # Not DRF's "JSON parse error - <Python's English message>": the reader's language, and where.
            raise exceptions.ParseError(
                _("The request body is not valid JSON (line %(line)d, column %(column)d).")
                % {"line": exc.lineno, "column": exc.colno}
            ) from exc
        except ValueError as exc:  # DRF's strict_constant: NaN, Infinity
            raise exceptions.ParseError(_("JSON does not allow NaN or Infinity.")) from exc
