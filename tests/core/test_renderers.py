"""The orjson renderer writes exactly what DRF's JSONRenderer writes for the payloads it is used on."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from apps.core.renderers import FastJSONRenderer

PAYLOADS = [
    {"next": None, "results": [{"id": 1, "title": '柳州\u2028\u2029 "x" \\ \x01 😀', "tags": ["a", "b"], "ok": True}]},
    {"at": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), "on": date(2026, 1, 2)},
    {"label": gettext_lazy("Draft"), "id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    {"price": "1234.50", "half": 0.5, "big": 1e16},  # floats without exponent differences
    {"huge": 2**70, "negative": -(2**63)},
    {1: "non-string key"},
    [],
    "plain",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_fast_renderer_writes_drfs_bytes(payload):
    assert FastJSONRenderer().render(payload) == JSONRenderer().render(payload)


def test_indented_rendering_is_drfs():
    payload = {"a": [1, {"b": "c"}]}
    media = "application/json; indent=2"
    assert FastJSONRenderer().render(payload, media, {}) == JSONRenderer().render(payload, media, {})
    assert FastJSONRenderer().render(None) == b""
