"""Scale-out on one machine: N web instances, M workers and B beats, each its own process group with its own
data folder, sharing only PostgreSQL, the broker and Redis (cache, results, the matching registry).

    python deploy/scale.py --web 2 --workers 2 --beats 2 demo     # start, show, load-test, stop (make scale-demo)
    python deploy/scale.py --web 2 --workers 2 --beats 2 up       # start and keep running until Ctrl-C

Environment: ``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/market_scale``, created, migrated
and loaded with the demo market when empty), ``CELERY_BROKER_URL`` (default RabbitMQ,
``amqp://guest:guest@127.0.0.1:5672//``), ``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``).

Layout under ``--var`` (``var/scale``): ``web1/``, ``worker2/``, ``beat1/`` … each with ``log``, ``tmp/`` (its
TMPDIR), its metrics directory and, for beats, the schedule file. ``media/`` is the one uploads store every web
instance and worker reads and writes (on several machines: a shared volume or an object store, see
deploy/README.md, "Scale-out"); ``static/`` is the build output (collectstatic), read-only at run time.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/market_scale"
DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"


def say(message: str) -> None:
    print(f"[scale {time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Member:
    """One process group: a web instance, a worker or a beat."""

    name: str
    argv: list[str]
    folder: Path
    env: dict[str, str]
    port: int | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def log(self) -> Path:
        return self.folder / "log"

    def start(self) -> None:
        (self.folder / "tmp").mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:  # this run's lines only (the demo reads them)
            self.process = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signum)  # the whole group: gunicorn's or celery's children too

    def stop(self, timeout: float = 30) -> None:
        self.signal(signal.SIGTERM)
        if self.process is None:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.process.wait(timeout=10)


def base_env(args: argparse.Namespace, var: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_DEBUG", None)  # production settings
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketplace.settings",
            "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER_URL),
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "scale-demo-secret-key-" + "x" * 40),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "EMAIL_URL": "consolemail://",
            "SITE_URL": f"http://127.0.0.1:{args.base_port}",
            "DJANGO_STATIC_ROOT": str(var / "static"),
            "DJANGO_MEDIA_ROOT": str(var / "media"),
            # The load test measures the servers, not the rate limiter (one client address, one user).
            "THROTTLE_ANON": "1000000/min",
            "THROTTLE_USER": "1000000/min",
            "GUNICORN_ACCESS_LOG": "",
            "LOG_FORMAT": "text",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def members(args: argparse.Namespace, var: Path, env: dict[str, str]) -> list[Member]:
    group: list[Member] = []
    for i in range(1, args.web + 1):
        folder, port = var / f"web{i}", args.base_port + i - 1
        own = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(args.web_concurrency),
            "PROMETHEUS_MULTIPROC_DIR": str(folder / "prometheus"),
            "TMPDIR": str(folder / "tmp"),
        }
        argv = [PYTHON, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--name", f"market-web{i}"]
        group.append(Member(f"web{i}", argv, folder, own, port=port))
    if args.command == "demo" and args.baseline and args.web > 1:
        # The scale-up baseline for the load test: one instance with as many processes as all of them.
        folder, port = var / "web-big", args.base_port + args.web
        own = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(args.web * args.web_concurrency),
            "PROMETHEUS_MULTIPROC_DIR": str(folder / "prometheus"),
            "TMPDIR": str(folder / "tmp"),
        }
        argv = [PYTHON, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--name", "market-web-big"]
        group.append(Member("web-big", argv, folder, own, port=port))
    for i in range(1, args.workers + 1):
        folder = var / f"worker{i}"
        own = {**env, "TMPDIR": str(folder / "tmp")}
        argv = [PYTHON, "-m", "celery", "-A", "marketplace", "worker", "-n", f"worker{i}@%h", "-l", "info"]
        argv += ["--concurrency", str(args.worker_concurrency)]
        group.append(Member(f"worker{i}", argv, folder, own))
    for i in range(1, args.beats + 1):
        folder = var / f"beat{i}"
        own = {**env, "TMPDIR": str(folder / "tmp"), "CELERY_BEAT_SCHEDULE_FILENAME": str(folder / "schedule")}
        argv = [PYTHON, "-m", "celery", "-A", "marketplace", "beat", "-l", "info"]
        group.append(Member(f"beat{i}", argv, folder, own))
    return group


def manage(env: dict[str, str], *arguments: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(arguments)} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    return done.stdout


def release(env: dict[str, str]) -> None:
    """Create the database if missing, migrate, collect static files, load the demo market once."""
    import psycopg2

    url = env["DATABASE_URL"]
    base, name = url.rsplit("/", 1)
    connection = psycopg2.connect(f"{base}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            say(f"creating database {name}")
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    say("release: migrate, collectstatic")
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    code = "from apps.listings.models import Achievement; print(Achievement.objects.exists())"
    if manage(env, "shell", "-c", code).strip().splitlines()[-1] != "True":
        say("loading the demo market (once)")
        manage(env, "load_demo_data", "--force")  # a demo installation (production settings otherwise)


def wait_ready(group: list[Member], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    for member in group:
        if member.port is None:
            continue
        while True:
            if not member.alive():
                raise SystemExit(f"{member.name} exited; see {member.log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{member.port}/readyz", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{member.name} not ready after {seconds} s; see {member.log}")
            time.sleep(0.5)
        say(f"{member.name} ready on http://127.0.0.1:{member.port} (pid group {member.process.pid})")  # type: ignore[union-attr]


def beat_holder(beats: list[Member]) -> list[str]:
    """The beats whose log says they hold the lock and have not lost it since."""
    holders = []
    for beat in beats:
        if not beat.alive() or not beat.log.exists():
            continue
        text = beat.log.read_text(errors="replace")
        if text.rfind("beat lock acquired") > text.rfind("beat lock lost"):
            holders.append(beat.name)
    return holders


def index_status(env: dict[str, str]) -> dict[str, Any]:
    code = (
        "import json; from apps.matching import index_state, serving; "
        "print(json.dumps({'latest': index_state.current_version(), 'served': serving.served_indexes()}))"
    )
    return json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])


def show_index(env: dict[str, str]) -> dict[str, Any]:
    status = index_status(env)
    for entry in status["served"]:
        say(
            f"  matching index in {entry['process']}: version {entry['version']} "
            f"(latest {status['latest']}), fingerprint {entry['fingerprint'][:12]}, "
            f"{entry['achievements']} achievements, {entry['demands']} demands"
        )
    return status


def wait_until(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.5)


def demo(args: argparse.Namespace, env: dict[str, str], group: list[Member]) -> None:
    webs = [m for m in group if m.port is not None]
    beats = [m for m in group if m.name.startswith("beat")]
    # 1. One beat schedules.
    wait_until(lambda: beat_holder(beats), 60, "a beat to take the lock")
    holders = beat_holder(beats)
    say(f"beat lock held by {holders} of {[b.name for b in beats]}")
    # 2. The workers' indexes agree; a listing change reaches every one of them.
    n = args.workers * args.worker_concurrency

    def agreed() -> bool:
        status = index_status(env)
        served = status["served"]
        return len(served) >= n and {(s["version"], s["fingerprint"]) for s in served} == {
            (status["latest"], served[0]["fingerprint"])
        }

    wait_until(agreed, 120, "the workers' indexes")
    before = show_index(env)
    say("a listing changes (an achievement's title edited, its index change logged in the same transaction) …")
    record = (
        "from django.db import transaction; from apps.matching import index_state; "
        "from apps.matching.models import ChangeOp, ListingKind; from apps.listings.models import Achievement, "
        "ListingStatus\n"
        "with transaction.atomic():\n"
        "    a = Achievement.objects.filter(status=ListingStatus.PUBLISHED).order_by('pk').first()\n"
        "    title = a.title[:-3] if a.title.endswith('（改）') else a.title + '（改）'\n"
        "    Achievement.objects.filter(pk=a.pk).update(title=title)\n"
        "    print(index_state.record_changes(kind=ListingKind.ACHIEVEMENT, listing_ids=[a.pk], op=ChangeOp.UPSERT))"
    )
    manage(env, "shell", "-c", record)
    wait_until(lambda: agreed() and index_status(env)["latest"] > before["latest"], 60, "the new version")
    show_index(env)
    say(f"all {n} worker processes serve the newest version with one fingerprint")
    # 3. The holder dies; another beat takes over.
    if len(beats) > 1:
        holder = next(b for b in beats if b.name == holders[0])
        say(f"killing {holder.name} (SIGKILL to its process group) …")
        started = time.monotonic()
        holder.signal(signal.SIGKILL)
        if holder.process is not None:
            holder.process.wait(timeout=30)
        wait_until(lambda: beat_holder(beats), 60, "another beat to take over")
        say(f"{beat_holder(beats)} took over after {time.monotonic() - started:.1f} s")
    # 4. Load across the web instances.
    if not args.no_bench:
        targets = [f"http://127.0.0.1:{w.port}" for w in webs if w.name != "web-big"]
        targets += [f"--big=http://127.0.0.1:{w.port}" for w in webs if w.name == "web-big"]
        bench = [PYTHON, "bench/scale/run.py", "--duration", str(args.bench_seconds), "--threads", str(args.threads)]
        say("load test: " + " ".join(bench + targets))
        subprocess.run([*bench, *targets], cwd=ROOT, env={**env, "DJANGO_DEBUG": ""}, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "demo"])
    parser.add_argument("--web", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--beats", type=int, default=2)
    parser.add_argument("--web-concurrency", type=int, default=2, help="gunicorn workers per web instance")
    parser.add_argument("--worker-concurrency", type=int, default=1, help="pool processes per Celery worker")
    parser.add_argument("--base-port", type=int, default=8101)
    parser.add_argument("--var", type=Path, default=ROOT / "var" / "scale")
    parser.add_argument("--bench-seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--no-bench", action="store_true")
    parser.add_argument(
        "--no-baseline",
        dest="baseline",
        action="store_false",
        help="demo: do not start the one big web instance the load test compares with",
    )
    args = parser.parse_args()
    var = args.var.resolve()
    var.mkdir(parents=True, exist_ok=True)
    env = base_env(args, var)
    release(env)
    group = members(args, var, env)
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.append(signum))
    try:
        for member in group:
            member.start()
            say(f"started {member.name}: pid/pgid {member.process.pid}, folder {member.folder}")  # type: ignore[union-attr]
        wait_ready(group)
        if args.command == "demo":
            demo(args, env, group)
        else:
            say("running; Ctrl-C stops every process group")
            while not stopping and all(m.alive() or m.name.startswith("beat") for m in group):
                time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        say("stopping")
        for member in reversed(group):
            member.stop()
        say("stopped: " + ", ".join(f"{m.name} rc={m.process.returncode if m.process else '-'}" for m in group))


if __name__ == "__main__":
    main()
