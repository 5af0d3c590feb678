"""A JSON renderer that writes exactly what DRF's ``JSONRenderer`` writes, with orjson doing the work.

DRF's renderer runs ``json.dumps`` in pure Python over every value: on a list page of 20 teasers that
is a noticeable part of a request. orjson writes the same bytes for the values a list page holds
(strings, integers, booleans, None, lists, dicts with string keys): the same escapes, no spaces,
non-ASCII as UTF-8, and U+2028/U+2029 escaped afterwards as DRF does. Values orjson would write
differently go through DRF's own encoder (dates and times, lazy translations: ``default``)
or make the whole document fall back to DRF's renderer: floats and Decimals (orjson prints ``1e-05``
as ``0.00001``), integers beyond 64 bits, non-string keys, an indented (browsable) rendering. So the
renderer is only put on views whose payload holds no floats (the public lists), and the fallback
keeps any other payload byte-for-byte what it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

# Dates and times as DRF writes them (milliseconds, "Z"); str/int/dict subclasses as json.dumps does.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_drf_default = JSONEncoder().default


def _has_float(value: Any) -> bool:
    # DRF's encoder writes a Decimal as a float too.
    if isinstance(value, float | Decimal):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_float(v) for v in value)
    return False


class FastJSONRenderer(JSONRenderer):
    """``application/json`` as DRF renders it, byte for byte, written by orjson (see the module doc)."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        if data is None:
            return b""
        if (
            not self.compact
            or self.ensure_ascii
            or self.get_indent(accepted_media_type or "", renderer_context or {}) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        if _has_float(data):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=_drf_default, option=_OPTIONS)
        except TypeError:  # non-string keys, integers beyond 64 bits, lone surrogates
            return super().render(data, accepted_media_type, renderer_context)
        return rendered.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
