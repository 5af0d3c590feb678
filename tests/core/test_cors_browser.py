"""CORS for a browser app, in headless Chromium (Debian's, driven by Playwright).

A page served from another origin (a small static server on its own port, named in
CORS_ALLOWED_ORIGINS) logs in with fetch(), opens a deal with an ``Idempotency-Key`` and reads its
``Location``, ``ETag`` and ``X-Request-ID``, replays the POST and reads ``Idempotent-Replayed``, edits the
deal with ``If-Match`` (and is refused with a stale one), reads ``RateLimit`` and ``RateLimit-Policy``,
and reads a 429's ``Retry-After``: every
header a browser app needs is exposed, every header it sends passes the preflight.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from apps.deals.models import Deal
from tests.deals.factories import DealWorld
from tests.factories import TEST_PASSWORD
from tests.stats.test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PAGE = "<!doctype html><html lang=zh-CN><meta charset=utf-8><title>科技大市场</title><body>app</body></html>"

# Runs in the page: every step the documented edit and create flows take, returning what the script saw.
FLOWS = """
async ({api, email, password}) => {
  const json = {"Content-Type": "application/json"};
  const out = {};
  const credentials = JSON.stringify({email, password});
  let r = await fetch(`${api}/api/v1/auth/token`, {method: "POST", headers: json, body: credentials});
  out.login = r.status;
  const auth = {...json, Authorization: `Bearer ${(await r.json()).access}`};
  const create = () => fetch(`${api}/api/v1/deals`, {
    method: "POST",
    headers: {...auth, "Idempotency-Key": "open-deal-0001"},
    body: JSON.stringify({title: "齿轮热处理工艺转让", buyer_id: BUYER, seller_id: SELLER}),
  });
  r = await create();
  out.create = {status: r.status, location: r.headers.get("Location"), etag: r.headers.get("ETag"),
                requestId: r.headers.get("X-Request-ID"), rateLimit: r.headers.get("RateLimit"),
                rateLimitPolicy: r.headers.get("RateLimit-Policy")};
  r = await create();
  out.replay = {status: r.status, replayed: r.headers.get("Idempotent-Replayed"), location: r.headers.get("Location")};
  r = await fetch(`${api}${out.create.location}`, {headers: auth});
  out.read = {status: r.status, etag: r.headers.get("ETag")};
  const patch = (etag, title) => fetch(`${api}${out.create.location}`, {
    method: "PATCH", headers: {...auth, "If-Match": etag}, body: JSON.stringify({title}),
  });
  r = await patch(out.read.etag, "齿轮热处理工艺转让（修订）");
  out.patch = {status: r.status, etag: r.headers.get("ETag"), title: (await r.json()).title};
  r = await patch(out.read.etag, "过时的修改");
  const refused = await r.json();
  out.stale = {status: r.status, code: refused.code, current: refused.current_version};
  out.wrong = [];
  for (let i = 0; i < 4; i++) {
    r = await fetch(`${api}/api/v1/auth/token`, {method: "POST", headers: json,
                    body: JSON.stringify({email: `guess${i}@example.cn`, password: "wrong"})});
    out.wrong.push({status: r.status, retryAfter: r.headers.get("Retry-After"), rateLimit: r.headers.get("RateLimit")});
  }
  return out;
}
"""


@pytest.fixture
def app_origin(tmp_path: Path) -> Iterator[str]:
    """A static server for the browser app's page, on another port: another origin."""
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_browser_app_on_an_allowed_origin_reads_and_sends_every_header_it_needs(
    live_server: Any, app_origin: str, settings: Any, throttle_rates: Any, tmp_path: Path
):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is missing: run `make browser`"
    settings.CORS_ALLOWED_ORIGINS = [app_origin]
    throttle_rates(login_address="3/min", login_account="100/min")
    world = DealWorld()
    api = live_server.url
    assert not api.startswith(app_origin)
    script = FLOWS.replace("BUYER", str(world.buyer.pk)).replace("SELLER", str(world.seller.pk))
    console_errors: list[str] = []

    # No ORM inside: Playwright's sync API runs an event loop in this thread while it is open.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda error: console_errors.append(str(error)))
            page.goto(f"{app_origin}/index.html")
            seen = page.evaluate(script, {"api": api, "email": world.buyer_user.email, "password": TEST_PASSWORD})
        finally:
            browser.close()

    assert console_errors == []
    assert seen["login"] == 200
    deal = Deal.objects.get()
    assert seen["create"]["status"] == 201
    assert seen["create"]["location"] == f"/api/v1/deals/{deal.pk}"
    assert seen["create"]["etag"] == '"1"'
    assert seen["create"]["requestId"]
    # The rate limits left (draft-ietf-httpapi-ratelimit-headers) are readable too: login, then this POST.
    assert seen["create"]["rateLimitPolicy"] == '"user";q=1200;w=60'
    assert seen["create"]["rateLimit"].startswith('"user";r=1199;t=')
    assert seen["replay"] == {"status": 201, "replayed": "true", "location": f"/api/v1/deals/{deal.pk}"}
    assert seen["read"] == {"status": 200, "etag": '"1"'}
    assert seen["patch"] == {"status": 200, "etag": '"2"', "title": "齿轮热处理工艺转让（修订）"}
    assert seen["stale"] == {"status": 412, "code": "stale_version", "current": 2}
    assert deal.title == "齿轮热处理工艺转让（修订）"
    # Three wrong passwords are answered 401 (the successful login does not count), then 429 with its wait.
    statuses = [attempt["status"] for attempt in seen["wrong"]]
    assert statuses == [401, 401, 401, 429]
    assert int(seen["wrong"][3]["retryAfter"]) > 0
    assert '"login_address";r=0;t=' in seen["wrong"][3]["rateLimit"]
