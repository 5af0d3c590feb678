"""ETag / If-Match helpers (apps.core.versioning)."""

from __future__ import annotations

import pytest
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from apps.core.errors import ApplicationError
from apps.core.versioning import (
    check_version,
    etag_for,
    parse_if_match,
    require_if_match,
    stale_version_error,
    with_etag,
)


def test_etag_for_is_a_quoted_version_strong_or_weak():
    assert etag_for(7) == '"7"'
    assert etag_for(7, weak=True) == 'W/"7"'
    response = with_etag(Response({}), 12)
    assert response["ETag"] == '"12"'


@pytest.mark.parametrize(("value", "version"), [('"3"', 3), (' "3" ', 3), ('W/"3"', 3), ('"3", W/"3"', 3)])
def test_parse_if_match_accepts_strong_and_weak_tags(value, version):
    assert parse_if_match(value) == version


@pytest.mark.parametrize(
    ("value", "status", "code"),
    [
        ("3", 400, "invalid_if_match"),
        ('"abc"', 400, "invalid_if_match"),
        ('"3", "4"', 400, "invalid_if_match"),
        ('"-1"', 400, "invalid_if_match"),
        ("*", 428, "precondition_required"),
    ],
)
def test_parse_if_match_refuses_what_names_no_single_version(value, status, code):
    with pytest.raises(ApplicationError) as caught:
        parse_if_match(value)
    assert (caught.value.status, caught.value.code) == (status, code)


def _request(**headers: str):
    from rest_framework.request import Request

    return Request(APIRequestFactory().patch("/x", **headers))


def test_require_if_match_is_428_when_missing_or_blank():
    for request in (_request(), _request(HTTP_IF_MATCH="  ")):
        with pytest.raises(ApplicationError) as caught:
            require_if_match(request)
        assert caught.value.status == 428
    assert require_if_match(_request(HTTP_IF_MATCH='"5"')) == 5


def test_stale_version_error_carries_the_current_version():
    error = stale_version_error(current_version=9)
    assert (error.status, error.code, error.extra) == (412, "stale_version", {"current_version": 9})
    check_version(expected=9, current=9)
    with pytest.raises(ApplicationError) as caught:
        check_version(expected=8, current=9)
    assert caught.value.extra == {"current_version": 9}


def test_if_none_match_compares_weakly_and_accepts_a_list():
    from apps.core.versioning import if_none_match_matches

    assert if_none_match_matches(_request(HTTP_IF_NONE_MATCH='"4"'), 4)
    assert if_none_match_matches(_request(HTTP_IF_NONE_MATCH='W/"4"'), 4)
    assert if_none_match_matches(_request(HTTP_IF_NONE_MATCH='"2", "4"'), 4)
    assert if_none_match_matches(_request(HTTP_IF_NONE_MATCH="*"), 4)
    assert not if_none_match_matches(_request(HTTP_IF_NONE_MATCH='"3"'), 4)
    assert not if_none_match_matches(_request(), 4)
