"""Custody benchmark: the daily annuity reminder scan over 1,000,000 assets in custody, on one core.

    .venv/bin/python bench/custody/run.py                  # 1,000,000 custody assets (generate, then measure)
    .venv/bin/python bench/custody/run.py --reuse          # keep the generated database, reset its state
    .venv/bin/python bench/custody/run.py --n 50000 --owners 100

Data (database ``bench_custody``, or ``bench_custody_<n>`` for other sizes; only ``bench_custody*`` databases
are ever dropped): ``--owners`` owner organisations, 20 IP agencies, one active agreement per owner; granted
patents (60% invention, 30% utility model, 10% design) filed 2008–2024, 30% with a fee reduction. Each asset's
annuity state is computed by the service's own pure function (:func:`apps.custody.reminders.annuity_state`
over :func:`apps.custody.annuity.annuity_schedule`); 92% are paid up to date, 8% owe one more year (so some
are in their grace period and some have lapsed). Rows are loaded with COPY.

Measured in a fresh process pinned to one CPU (so the peak RSS is the scan's), after a warm-up:

- ``baseline count``: ``SELECT count(*)`` of the rows due today over the scan's index;
- ``baseline iterate``: a bare read of the same rows, agreement by agreement in chunks, without processing;
- ``scan day 1``: :func:`apps.custody.services.annuity_reminders_send` for the generation day, every reminder
  in force sent (the cold, worst case: every asset within 90 days of its due date, in grace or just lapsed);
- ``scan day 2``: the next day (the steady state: only stages that start that day);
- ``re-run``: day 2 again (nothing to send).

The goal is day 1 under 60 s. Exit status 1 when a run is invalid (a reminder sent twice, a row left due).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[2]
if str(REPO_DIR) not in sys.path:
    sys.path.insert(0, str(REPO_DIR))

from bench.database import admin_connection, django_env, setup_django  # noqa: E402

DEFAULT_N = 1_000_000
GOAL_SECONDS = 60.0
AGENCIES = 20
COPY_CHUNK = 50_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="assets in custody")
    parser.add_argument("--owners", type=int, default=1000, help="owner organisations (one agreement each)")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--reuse", action="store_true", help="keep the generated database (its state is reset)")
    parser.add_argument("--database-url", help="default postgres://postgres@127.0.0.1:5432/bench_custody[_<n>]")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--chunk-size", type=int, default=2000, help="rows per scan chunk (one transaction)")
    parser.add_argument("--phase", choices=["all", "measure"], default="all", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def database_url(args: argparse.Namespace) -> str:
    if args.database_url:
        return str(args.database_url)
    name = "bench_custody" if args.n == DEFAULT_N else f"bench_custody_{args.n}"
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def _env(args: argparse.Namespace) -> dict[str, str]:
    return django_env(database_url(args), args.redis_url, name="custody")


def _setup_django(args: argparse.Namespace) -> None:
    setup_django(_env(args))


# --- database -----------------------------------------------------------------------------------


def prepare_database(args: argparse.Namespace) -> bool:
    """Create the bench database (dropping an old one unless --reuse); True when it must be generated."""
    url = database_url(args)
    name = url.rsplit("/", 1)[1]
    if not name.startswith("bench_custody"):
        raise SystemExit(f"refusing to use {name}: only bench_custody* databases are dropped or created")
    conn = admin_connection(url)
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cur.fetchone() is not None
        if exists and args.reuse and _generated(url, args):
            conn.close()
            return False
        if exists:
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO_DIR, env=_env(args), check=True
    )
    return True


def _generated(url: str, args: argparse.Namespace) -> bool:
    import psycopg2

    try:
        conn = psycopg2.connect(url)
    except psycopg2.Error:
        return False
    with conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('bench_custody_meta')")
        if cur.fetchone()[0] is None:
            return False
        cur.execute("SELECT n, owners, seed FROM bench_custody_meta")
        row = cur.fetchone()
    conn.close()
    return row == (args.n, args.owners, args.seed)


def _copy(cursor: Any, table: str, columns: list[str], rows: list[str]) -> None:
    buffer = io.StringIO("".join(rows))
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text)", buffer)


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def generate(args: argparse.Namespace) -> None:
    """Organisations, members, agreements, then assets and custody rows in COPY chunks."""
    from django.db import connection
    from django.utils import timezone
    from tqdm import tqdm

    from apps.accounts.models import User
    from apps.core.validators import credit_code_check_character, patent_check_character
    from apps.custody.annuity import FeeReduction
    from apps.custody.models import AgreementStatus, CustodyAgreement, CustodyAsset
    from apps.custody.reminders import annuity_state, default_paid_through, schedule_for
    from apps.custody.services import reminder_offsets
    from apps.ip.models import IPAsset
    from apps.organizations.models import Membership, Organization, OrganizationType

    def make_credit_code(n: int) -> str:
        body = f"91450200{n:09d}"
        return body + credit_code_check_character(body)

    rng = random.Random(args.seed)
    today = timezone.localdate()
    offsets = reminder_offsets()

    orgs = [
        Organization(
            name=f"柳州基准企业{i}有限公司",
            type=OrganizationType.ENTERPRISE,
            credit_code=make_credit_code(900_000 + i),
            region_id="450202",
            entity_type_id="170",
            verification_status="verified",
        )
        for i in range(args.owners)
    ] + [
        Organization(
            name=f"柳州知识产权代理{i}所",
            type=OrganizationType.IP_AGENCY,
            credit_code=make_credit_code(990_000 + i),
            region_id="450202",
            entity_type_id="170",
            verification_status="verified",
        )
        for i in range(AGENCIES)
    ]
    Organization.objects.bulk_create(orgs, batch_size=2000)
    owners, agencies = orgs[: args.owners], orgs[args.owners :]
    unusable = "!"  # no password: these users never log in
    users = User.objects.bulk_create(
        [User(email=f"bench{i}@custody.example", name=f"基准用户{i}", password=unusable) for i in range(len(orgs))],
        batch_size=2000,
    )
    Membership.objects.bulk_create(
        [Membership(user=u, organization=o, role="admin") for u, o in zip(users, orgs, strict=True)], batch_size=2000
    )
    agreements = CustodyAgreement.objects.bulk_create(
        [
            CustodyAgreement(
                owner=owner,
                custodian=agencies[i % AGENCIES],
                start_date=today - timedelta(days=365),
                end_date=today + timedelta(days=3 * 365),
                service_level="pay_annuities",
                fee=Decimal("3000.00"),
                status=AgreementStatus.ACTIVE,
                started_at=timezone.now(),
            )
            for i, owner in enumerate(owners)
        ],
        batch_size=2000,
    )

    asset_cols = [
        "id", "created_at", "updated_at", "kind", "title", "application_number", "patent_number",
        "publication_number", "registration_number", "ipc_main", "ipc_codes", "filing_date", "grant_date",
        "legal_status", "owner_id",
    ]  # fmt: skip
    custody_cols = [
        "id", "agreement_id", "asset_id", "active", "reduction_share", "reduction_years", "paid_through_year",
        "next_year", "next_due_date", "grace_deadline", "next_fee", "next_full_fee", "next_reduced",
        "next_at_grant", "next_reminder_on", "added_at",
    ]  # fmt: skip
    now = timezone.now().isoformat()
    kinds = ["invention"] * 6 + ["utility_model"] * 3 + ["design"]
    type_digit = {"invention": "1", "utility_model": "2", "design": "3"}
    words = ["汽车", "发动机", "螺蛳粉", "齿轮", "电池", "传感器", "钢材", "轨道", "无人机", "医疗器械"]
    first_day, span = date(2008, 1, 1), (date(2024, 6, 30) - date(2008, 1, 1)).days
    cursor = connection.cursor()
    asset_rows: list[str] = []
    custody_rows: list[str] = []
    for i in tqdm(range(1, args.n + 1), desc="assets", unit="asset", mininterval=2):
        kind = kinds[rng.randrange(10)]
        filing = first_day + timedelta(days=rng.randrange(span))
        lag = rng.randrange(540, 1300) if kind == "invention" else rng.randrange(150, 500)
        grant = min(filing + timedelta(days=lag), today - timedelta(days=30))
        reduction = FeeReduction(Decimal("0.85"), 10) if rng.random() < 0.3 else None
        schedule = schedule_for(
            kind=kind, legal_status="granted", filing_date=filing, grant_date=grant, reduction=reduction
        )
        paid = default_paid_through(schedule, before=today)
        if rng.random() < 0.08 and paid > schedule[0].year:
            paid -= 1  # one year unpaid: in grace, or lapsed
        state = annuity_state(schedule, paid_through_year=paid, today=today, offsets=offsets)
        digits = f"{filing.year}{type_digit[kind]}{i:07d}"
        number = f"{digits}.{patent_check_character(digits)}"
        agreement = agreements[i % len(agreements)]
        asset_rows.append(
            "\t".join(
                _text(v)
                for v in (
                    i, now, now, kind, f"一种{words[i % 10]}相关技术方案{i}", number, f"ZL{number}", "", "",
                    "G01N 21/88", "{}", filing, grant, "granted", agreement.owner_id,
                )
            )
            + "\n"
        )  # fmt: skip
        custody_rows.append(
            "\t".join(
                _text(v)
                for v in (
                    i, agreement.pk, i, True, reduction.share if reduction else None,
                    reduction.years if reduction else None, paid, state.next_year, state.next_due_date,
                    state.grace_deadline, state.next_fee, state.next_full_fee, state.next_reduced,
                    state.next_at_grant, state.next_reminder_on, now,
                )
            )
            + "\n"
        )  # fmt: skip
        if len(asset_rows) >= COPY_CHUNK:
            _copy(cursor, IPAsset._meta.db_table, asset_cols, asset_rows)
            _copy(cursor, CustodyAsset._meta.db_table, custody_cols, custody_rows)
            asset_rows.clear()
            custody_rows.clear()
    if asset_rows:
        _copy(cursor, IPAsset._meta.db_table, asset_cols, asset_rows)
        _copy(cursor, CustodyAsset._meta.db_table, custody_cols, custody_rows)
    for table in (IPAsset._meta.db_table, CustodyAsset._meta.db_table):
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
    cursor.execute(
        "CREATE TABLE bench_custody_initial AS SELECT id, next_reminder_on FROM custody_custodyasset; "
        "CREATE TABLE bench_custody_meta (n int, owners int, seed int, today date); "
        "INSERT INTO bench_custody_meta VALUES (%s, %s, %s, %s)",
        [args.n, args.owners, args.seed, today],
    )
    cursor.execute("ANALYZE")


# --- measuring ------------------------------------------------------------------------------------


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(args: argparse.Namespace) -> int:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    _setup_django(args)
    from django.db import connection

    from apps.custody.models import CustodyAgreement, CustodyAsset, Reminder
    from apps.custody.services import _SCAN_COLUMNS, annuity_reminders_send

    with connection.cursor() as cur:
        cur.execute("SELECT today FROM bench_custody_meta")
        today: date = cur.fetchone()[0]
        # Reset what an earlier measurement changed, so every run starts from the generated state.
        cur.execute("TRUNCATE custody_reminder, notifications_notification")
        cur.execute(
            "UPDATE custody_custodyasset c SET next_reminder_on = i.next_reminder_on FROM bench_custody_initial i "
            "WHERE c.id = i.id AND c.next_reminder_on IS DISTINCT FROM i.next_reminder_on"
        )
        cur.execute("VACUUM ANALYZE custody_custodyasset")
        cur.execute("SELECT count(*) FROM custody_custodyasset")  # warm the table's pages
        total = cur.fetchone()[0]

    # Warm-up: imports, the annuity tables, one pass over every agreement with nothing due.
    annuity_reminders_send(today=today - timedelta(days=400), chunk_size=args.chunk_size)
    rss_before = _rss_mib()

    def count_due() -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM custody_custodyasset WHERE active AND next_reminder_on <= %s", [today])
            return int(cur.fetchone()[0])

    started = time.perf_counter()
    due = count_due()
    baseline_count = time.perf_counter() - started

    started = time.perf_counter()
    iterated = 0
    for agreement_id in CustodyAgreement.objects.filter(status="active").order_by("pk").values_list("pk", flat=True):
        qs = (
            CustodyAsset.objects.filter(agreement_id=agreement_id, active=True, next_reminder_on__lte=today)
            .order_by("next_reminder_on", "id")
            .values_list(*_SCAN_COLUMNS)
        )
        for _row in qs.iterator(chunk_size=args.chunk_size):
            iterated += 1
    baseline_iterate = time.perf_counter() - started

    runs: list[tuple[str, float, dict[str, int]]] = []
    for label, day in (
        ("scan day 1", today),
        ("scan day 2", today + timedelta(days=1)),
        ("re-run", today + timedelta(days=1)),
    ):
        print(f"{label}: {day} …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        result = annuity_reminders_send(today=day, chunk_size=args.chunk_size)
        runs.append((label, time.perf_counter() - started, result))
    rss_after = _rss_mib()

    reminders = Reminder.objects.count()
    distinct = Reminder.objects.values("asset_id", "year", "kind").distinct().count()
    left_due = count_due()
    valid = reminders == distinct and left_due == 0 and runs[2][2]["sent"] == 0 and runs[0][2]["sent"] == due
    print()
    print(f"custody reminder scan — {total:,} assets in custody, {args.owners} agreements, today {today}, one core")
    print(f"{'step':<18}{'seconds':>10}{'rows':>12}{'sent':>12}{'rows/s':>12}")
    print(f"{'baseline count':<18}{baseline_count:>10.2f}{due:>12,}{'':>12}{due / baseline_count:>12,.0f}")
    print(
        f"{'baseline iterate':<18}{baseline_iterate:>10.2f}{iterated:>12,}{'':>12}{iterated / baseline_iterate:>12,.0f}"
    )
    for label, seconds, result in runs:
        rate = result["rows"] / seconds if seconds else 0
        print(f"{label:<18}{seconds:>10.2f}{result['rows']:>12,}{result['sent']:>12,}{rate:>12,.0f}")
    print(f"peak RSS: {rss_before:.0f} MiB after warm-up, {rss_after:.0f} MiB after the scans")
    goal = "ok" if runs[0][1] < GOAL_SECONDS else "MISSED"
    print(f"goal: day 1 under {GOAL_SECONDS:.0f} s — {goal}; reminders logged {reminders:,} (distinct {distinct:,})")
    if not valid:
        print("INVALID RUN: a reminder was logged twice, rows were left due, or a re-run sent something")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.phase == "measure":
        return measure(args)
    if prepare_database(args):
        _setup_django(args)
        started = time.perf_counter()
        generate(args)
        print(f"generated {args.n:,} custody assets in {time.perf_counter() - started:.0f} s")
    else:
        print(f"reusing {database_url(args)}")
    # A fresh process: its peak RSS is the scan's, not the generator's.
    cmd = [sys.executable, __file__, "--phase", "measure", "--n", str(args.n), "--owners", str(args.owners)]
    cmd += ["--seed", str(args.seed), "--redis-url", args.redis_url, "--chunk-size", str(args.chunk_size)]
    if args.database_url:
        cmd += ["--database-url", args.database_url]
    code = subprocess.run(cmd, cwd=REPO_DIR, env=_env(args), check=False).returncode  # noqa: S603
    _purge_queued_emails(args.redis_url)
    return code


def _purge_queued_emails(redis_url: str) -> None:
    # The scan queues e-mail tasks; no worker consumes them here, so they are dropped after the run.
    import redis

    redis.Redis.from_url(redis_url).delete("celery")


if __name__ == "__main__":
    raise SystemExit(main())
