"""Load across web instances: the same read mix through one instance and through all of them, same run.

    python bench/scale/run.py http://127.0.0.1:8101 http://127.0.0.1:8102 [--duration 20] [--threads 8]

(``make scale-demo`` starts two instances with deploy/scale.py and runs this.) Standard library only: each
client thread holds one keep-alive connection per instance and sends, in a fixed weighted order, GETs of
listing lists and details (signed in as a demo user), the public listings feed and market figures and
``/healthz``. With several instances a thread sends each request to the next instance in turn.

Rounds alternate between "one instance" (the first URL) and "all instances", after one warm-up of each;
each round runs ``--duration`` seconds. Reported per setup: the median round's requests/s, and latency
p50/p95/p99 over all requests of its rounds, errors (non-2xx or failed connections), and the ratio
all/one. Results: bench/scale/results/scale.{txt,json,svg}.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
DEMO_USER = ("qin.haiyang@demo.liuzhou.example", "Liuzhou-Demo-2026")


def request(
    conn: http.client.HTTPConnection, path: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int, bytes]:
    conn.request("POST" if body else "GET", path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def connect(url: str) -> http.client.HTTPConnection:
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)


def sign_in(url: str) -> str:
    conn = connect(url)
    body = json.dumps({"email": DEMO_USER[0], "password": DEMO_USER[1]}).encode()
    status, data = request(conn, "/api/v1/auth/token", {"Content-Type": "application/json"}, body)
    if status != 200:
        sys.exit(f"sign-in failed ({status}): {data[:300]!r}")
    return json.loads(data)["access"]


def the_mix(url: str, token: str) -> list[tuple[str, bool]]:
    """(path, signed in) in a fixed order: weights by repetition."""
    conn = connect(url)
    auth = {"Authorization": f"Bearer {token}"}
    status, data = request(conn, "/api/v1/achievements", auth)
    achievements = [row["id"] for row in json.loads(data)["results"]] if status == 200 else []
    status, data = request(conn, "/api/v1/demands", auth)
    demands = [row["id"] for row in json.loads(data)["results"]] if status == 200 else []
    if not achievements or not demands:
        sys.exit("no listings to read: load the demo market first (deploy/scale.py does)")
    mix: list[tuple[str, bool]] = []
    for i in range(4):
        mix += [
            ("/api/v1/achievements", True),
            (f"/api/v1/achievements/{achievements[i % len(achievements)]}", True),
            ("/api/v1/demands", True),
            (f"/api/v1/demands/{demands[i % len(demands)]}", True),
            ("/healthz", False),
        ]
    mix += [("/api/v1/open-data/listings", False), ("/api/v1/open-data/market-figures", False)]
    return mix


def run_round(urls: list[str], token: str, mix: list[tuple[str, bool]], threads: int, seconds: float) -> dict[str, Any]:
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    by_instance: list[dict[str, int]] = [{} for _ in range(threads)]
    stop = time.monotonic() + seconds
    auth = {"Authorization": f"Bearer {token}"}

    def client(n: int) -> None:
        conns = [connect(url) for url in urls]
        i = n * 7  # threads start at different places in the mix and on different instances
        while time.monotonic() < stop:
            path, signed_in = mix[i % len(mix)]
            which = i % len(urls)
            started = time.perf_counter()
            try:
                status, _ = request(conns[which], path, auth if signed_in else {})
                ok = 200 <= status < 300
            except (OSError, http.client.HTTPException):
                conns[which].close()
                conns[which] = connect(urls[which])
                ok = False
            latencies[n].append(time.perf_counter() - started)
            by_instance[n][urls[which]] = by_instance[n].get(urls[which], 0) + 1
            errors[n] += not ok
            i += 1
        for conn in conns:
            conn.close()

    began = time.monotonic()
    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - began
    flat = [x for part in latencies for x in part]
    per_instance: dict[str, int] = {}
    for part in by_instance:
        for url, count in part.items():
            per_instance[url] = per_instance.get(url, 0) + count
    return {
        "requests": len(flat),
        "seconds": elapsed,
        "rps": len(flat) / elapsed,
        "errors": sum(errors),
        "latencies": flat,
        "per_instance": per_instance,
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def summarise(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    latencies = [x for r in rounds for x in r["latencies"]]
    per_instance: dict[str, int] = {}
    for r in rounds:
        for url, count in r["per_instance"].items():
            per_instance[url] = per_instance.get(url, 0) + count
    return {
        "rounds_rps": [round(r["rps"], 1) for r in rounds],
        "rps": round(statistics.median(r["rps"] for r in rounds), 1),
        "requests": sum(r["requests"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "per_instance": per_instance,
    }


def svg(setups: list[tuple[str, dict[str, Any]]]) -> str:
    metrics = [("req/s", "rps"), ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"), ("p99 ms", "p99_ms")]
    colours = ["#888", "#2a7ab0", "#d98c2b"]
    bar_h, gap = 16, 14
    height = 60 + len(metrics) * (len(setups) * bar_h + gap)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="720" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        '<text x="10" y="18" font-weight="bold">Read mix through the web instances (same run, medians)</text>',
    ]
    x = 10
    for (name, _), colour in zip(setups, colours, strict=False):
        parts.append(f'<rect x="{x}" y="28" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="37">{name}</text>')
        x += 20 + 7 * len(name)
    y = 52
    for label, key in metrics:
        top = max(data[key] for _, data in setups) or 1
        parts.append(f'<text x="10" y="{y + 12}">{label}</text>')
        for (_, data), colour in zip(setups, colours, strict=False):
            w = 460 * data[key] / top
            parts.append(f'<rect x="90" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{colour}"/>')
            parts.append(f'<text x="{95 + w:.1f}" y="{y + 12}">{data[key]}</text>')
            y += bar_h
        y += gap
    parts.append("</svg>")
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("urls", nargs="*", help="the instances (none: start them with deploy/scale.py demo)")
    parser.add_argument("--duration", type=float, default=20, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per setup (after one warm-up)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--big", help="a single instance with as many processes as all URLs together (the scale-up baseline)"
    )
    args = parser.parse_args()
    if not args.urls:  # `make bench`: start two instances (and workers, beats) and come back here
        import subprocess

        script = Path(__file__).resolve().parents[2] / "deploy" / "scale.py"
        sys.exit(subprocess.call([sys.executable, str(script), "demo", "--bench-seconds", str(args.duration)]))  # noqa: S603
    token = sign_in(args.urls[0])
    mix = the_mix(args.urls[0], token)
    setups = {"one": args.urls[:1], "all": args.urls}
    if args.big:
        setups["big"] = [args.big]
    measured: dict[str, list[dict[str, Any]]] = {name: [] for name in setups}
    for round_no in range(args.rounds + 1):
        for name, urls in setups.items():
            result = run_round(urls, token, mix, args.threads, args.duration if round_no else min(5, args.duration))
            tag = "warm-up" if round_no == 0 else f"round {round_no}/{args.rounds}"
            print(f"  {tag} {name:>3}: {result['rps']:7.1f} req/s, {result['errors']} errors", flush=True)
            if round_no:
                measured[name].append(result)
    one, both = summarise(measured["one"]), summarise(measured["all"])
    big = summarise(measured["big"]) if args.big else None
    n = len(args.urls)
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "instances": args.urls,
        "threads": args.threads,
        "seconds_per_round": args.duration,
        "rounds": args.rounds,
        "mix": [path for path, _ in mix],
        "one_instance": one,
        "all_instances": both,
        "ratio_rps": round(both["rps"] / one["rps"], 2) if one["rps"] else None,
        "one_big_instance": big,
        "ratio_rps_vs_big": round(both["rps"] / big["rps"], 2) if big and big["rps"] else None,
    }
    lines = [
        f"Read mix over {args.threads} keep-alive client threads, {args.rounds} alternating rounds of "
        f"{args.duration:g} s per setup after a warm-up ({report['when']})",
        f"{'setup':<22}{'req/s (median)':>16}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'requests':>10}",
    ]
    rows = [("one instance", one), (f"{n} instances", both)] + ([(f"one, {n}x processes", big)] if big else [])
    for name, data in rows:
        lines.append(
            f"{name:<22}{data['rps']:>16}{data['p50_ms']:>9}{data['p95_ms']:>9}{data['p99_ms']:>9}"
            f"{data['errors']:>8}{data['requests']:>10}"
        )
    lines.append(f"ratio {n} instances / one (req/s): {report['ratio_rps']}")
    if big:
        lines.append(f"ratio {n} instances / one instance with {n}x processes (req/s): {report['ratio_rps_vs_big']}")
    lines.append("requests per instance (all): " + ", ".join(f"{u} {c}" for u, c in both["per_instance"].items()))
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.txt").write_text(text + "\n")
    (RESULTS / "scale.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "scale.svg").write_text(svg(rows) + "\n")


if __name__ == "__main__":
    main()
