"""A JSON renderer that writes what DRF's ``JSONRenderer`` writes, with orjson doing the work.

DRF's renderer runs ``json.dumps`` in pure Python over every value: on a list page of 20 teasers that
is a noticeable part of a request. For strings, integers, booleans, None, lists and dicts with string
keys orjson writes the same bytes: the same escapes, no spaces, non-ASCII as UTF-8, and U+2028/U+2029
escaped afterwards as DRF does. Dates and times go through DRF's own encoder (``default``), and
anything orjson refuses (non-string keys, integers beyond 64 bits, lone surrogates) or an indented
(browsable) rendering falls back to DRF's renderer.

One difference remains, so the renderer is only put on views whose payloads hold no floats (the list
pages of listings: their figures are integers and decimal strings): a float, or a Decimal that DRF's
encoder turns into one, is written in its shortest form by both, but orjson never uses an exponent
for small numbers (``0.00001`` where ``json.dumps`` writes ``1e-05``) and writes NaN as ``null``.
Checking every value for floats first cost more than orjson saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

# Dates and times as DRF writes them (its isoformat, "Z" for UTC); str/int/dict subclasses as json.dumps does.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_drf_default = JSONEncoder().default


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
        try:
            rendered = orjson.dumps(data, default=_drf_default, option=_OPTIONS)
        except TypeError:  # non-string keys, integers beyond 64 bits, lone surrogates
            return super().render(data, accepted_media_type, renderer_context)
        return rendered.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
