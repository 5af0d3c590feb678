"""The production URLs plus ``/bench/bare``: a plain Django JSON view that touches no database.

It goes through the same middleware as the API, so its latency is the floor of this machine, this
server and this load generator; the benchmark quotes every scenario as a multiple of it.
"""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import path

from marketplace.urls import handler400, handler403, handler404, handler500
from marketplace.urls import urlpatterns as production_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

BARE_ROWS = [
    {"id": n, "title": f"柳州科技成果{n}", "status": "published", "region": "450200", "trl": n % 9 + 1}
    for n in range(1, 21)
]


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {"next": None, "previous": None, "results": BARE_ROWS}, json_dumps_params={"ensure_ascii": False}
    )


urlpatterns: list[Any] = [path("bench/bare", bare, name="bench-bare"), *production_urlpatterns]
