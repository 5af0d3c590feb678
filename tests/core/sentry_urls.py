"""The project's URLs plus a view that raises: tests/core/test_sentry.py's unhandled error."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from marketplace.urls import urlpatterns as project_urlpatterns


class SentryProbeError(RuntimeError):
    pass


def boom(request: HttpRequest, n: int) -> HttpResponse:
    raise SentryProbeError("unhandled error for the Sentry test")


urlpatterns = [path("sentry-probe/<int:n>", boom), *project_urlpatterns]
