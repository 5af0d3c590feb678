"""Fill a ``bench_listings*`` database fast: migrate, then COPY generated organisations, achievements and demands.

Rows are made in worker processes (text, segmentation with the production code of
:mod:`apps.listings.search`, fingerprints) and streamed into one ``COPY … FREEZE`` per table; the
secondary indexes are dropped before and rebuilt after (the same definitions, read from the catalogue),
the generated columns (``search_vector``, ``stage``) are computed by PostgreSQL. A row in
``bench_listings_meta`` records what was generated, so a rerun with ``--reuse`` finds it.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import random
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import psycopg2

from apps.core.validators import credit_code_check_character
from apps.listings import search
from bench.listings.report import progress
from bench.listings.vocabulary import DEMAND_OPENERS, FIELD_SHARES, TextModel, Vocabulary, build_vocabulary

REPO_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Bump when the generated data changes shape: a cached database of another version is regenerated.
GENERATOR_VERSION = 1
META_TABLE = "bench_listings_meta"
DATABASE_PREFIX = "bench_listings"
CHUNK_ROWS = 2000
COPY_READ = 1 << 20  # bytes handed to COPY per read
TZ = ZoneInfo("Asia/Shanghai")

# --- reference codes (apps/reference/data) -----------------------------------------------------

LIUZHOU_DISTRICTS = ("450202", "450203", "450204", "450205", "450206", "450222", "450223", "450224", "450225")
GUANGXI_CITIES = ("450100", "450300", "450400", "450500", "450600", "450700", "450800", "450900", "451000")
OTHER_PROVINCES = ("440000", "430000", "320000", "330000", "310000", "110000", "510000", "500000", "420000")
FIELD_INDUSTRIES = {
    "01": ("electronic-information", "industrial-internet", "optoelectronic-display", "intelligent-manufacturing"),
    "02": ("high-end-equipment", "new-materials"),
    "03": ("machinery", "high-end-equipment", "intelligent-manufacturing", "automotive"),
    "04": ("biomedicine", "food"),
    "05": ("new-materials", "steel", "chemicals", "building-materials"),
    "06": ("new-energy-vehicles", "energy-saving-environmental", "automotive"),
    "07": ("energy-saving-environmental", "chemicals", "steel"),
    "08": ("high-end-equipment", "energy-saving-environmental"),
    "09": ("luosifen", "cane-sugar", "fruit-processing", "food"),
    "10": ("automotive", "new-energy-vehicles", "intelligent-connected-vehicles", "machinery"),
    "11": ("building-materials", "energy-saving-environmental"),
}
STATUSES = (
    ("published", 85),
    ("draft", 3),
    ("submitted", 3),
    ("rejected", 2),
    ("withdrawn", 2),
    ("expired", 4),
    ("transferred", 1),
)
TRL_WEIGHTS = (3, 6, 10, 12, 14, 15, 14, 14, 12)  # TRL 1..9
COOPERATION_ODDS = (
    ("self_implementation", 0.08),
    ("transfer", 0.45),
    ("licence", 0.35),
    ("cooperative", 0.40),
    ("equity", 0.12),
    ("other", 0.05),
)
DEMAND_COOPERATION_ODDS = (("transfer", 0.4), ("licence", 0.2), ("cooperative", 0.5), ("other", 0.1))
STAGES = ("lab", "small_scale", "pilot", "mass_production")
SURNAMES = "张王李赵刘陈杨黄周吴韦覃蓝莫梁"
REJECTION_REASONS = ("材料不完整，请补充专利证明。", "成果简介过于简略，请补充技术指标。", "联系人信息有误。")


def _words(text: str) -> list[str]:
    return text.split()


ORGANIZATION_COLUMNS = _words(
    "id created_at updated_at name name_en short_name type credit_code region_id entity_type_id address "
    "website description contact_email contact_phone verification_status verified_at verified_by_id "
    "rejection_reason"
)
LISTING_COLUMNS = _words(
    "id created_at updated_at owner_id created_by_id status language title translated_title "
    "technology_field_id keywords cooperation_modes region_id confidential_detail contact_name "
    "contact_phone contact_email submitted_at published_at reviewed_at reviewed_by_id rejection_reason "
    "fingerprint search_head search_body"
)
ACHIEVEMENT_COLUMNS = LISTING_COLUMNS + _words(
    "summary translated_summary trl attribute price_type price_min price_max expires_on"
)
DEMAND_COLUMNS = LISTING_COLUMNS + _words(
    "description translated_description industry_id budget_min budget_max deadline wanted_stage region_preference_id"
)

# --- COPY text format --------------------------------------------------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_field(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, list | tuple):
        quoted = ('"' + str(item).replace("\\", "\\\\").replace('"', '\\"') + '"' for item in value)
        return ("{" + ",".join(quoted) + "}").translate(_COPY_ESCAPES)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def copy_line(values: list[Any], suffix: str = "") -> str:
    return "\t".join(copy_field(value) for value in values) + suffix + "\n"


# --- organisations -----------------------------------------------------------------------------

UNIVERSITIES = (
    ("广西科技大学", "450204"),
    ("柳州工学院", "450205"),
    ("柳州职业技术大学", "450204"),
    ("柳州铁道职业技术学院", "450206"),
    ("广西大学", "450100"),
    ("桂林电子科技大学", "450300"),
    ("桂林理工大学", "450300"),
    ("广西医科大学", "450100"),
    ("广西中医药大学", "450100"),
    ("广西民族大学", "450100"),
    ("华南理工大学", "440000"),
    ("中南大学", "430000"),
    ("湖南大学", "430000"),
    ("浙江大学", "330000"),
    ("上海交通大学", "310000"),
    ("清华大学", "110000"),
    ("华中科技大学", "420000"),
    ("重庆大学", "500000"),
    ("四川大学", "510000"),
    ("东南大学", "320000"),
)
INSTITUTE_TOPICS = (
    "汽车工程",
    "工业技术",
    "新材料",
    "智能制造",
    "生物技术",
    "农业科学",
    "环境科学",
    "先进制造",
    "螺蛳粉产业",
)
BRANDS = _words("鑫达 华盛 恒通 宏远 金桂 龙城 柳江 桂中 盛大 永安 联创 远景 中恒 东方 融达 佳禾 瑞丰 天成 博远 启明")
BUSINESSES = (
    "汽车零部件",
    "机械制造",
    "新材料科技",
    "电子科技",
    "生物科技",
    "螺蛳粉食品",
    "钢铁",
    "化工",
    "环保科技",
    "智能装备",
    "新能源科技",
    "工程机械",
    "食品",
    "建材",
    "信息技术",
)
SUFFIXES = ("有限公司", "有限公司", "股份有限公司", "有限责任公司")


@dataclass(frozen=True)
class Owner:
    id: int
    region: str
    type: str


def make_credit_code(n: int) -> str:
    """A valid unified social credit code, distinct for each n (as tests/factories.py makes them)."""
    body = f"91450200{n:09d}"
    return body + credit_code_check_character(body)


def _org_region(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.70:
        return rng.choice(LIUZHOU_DISTRICTS) if rng.random() < 0.9 else "450200"
    if roll < 0.85:
        return rng.choice(GUANGXI_CITIES)
    return rng.choice(OTHER_PROVINCES)


def organization_rows(count: int, *, now: datetime, seed: int) -> tuple[list[list[Any]], list[Owner]]:
    rng = random.Random(seed)
    rows: list[list[Any]] = []
    owners: list[Owner] = []
    for n in range(1, count + 1):
        if n <= len(UNIVERSITIES):
            name, region = UNIVERSITIES[n - 1]
            kind, entity = "university", "022"
        elif n <= len(UNIVERSITIES) + 30:
            region = _org_region(rng)
            name = f"{'柳州' if region.startswith('4502') else '广西'}{rng.choice(INSTITUTE_TOPICS)}研究院{n}所"
            kind, entity = "research_institute", "021"
        else:
            region = _org_region(rng)
            city = "柳州市" if region.startswith("4502") else ("广西" if region.startswith("45") else "")
            name = f"{city}{rng.choice(BRANDS)}{rng.choice(BUSINESSES)}{rng.choice(SUFFIXES)}"
            kind = "enterprise"
            entity = rng.choices(("170", "150", "160", "110"), weights=(60, 20, 10, 10))[0]
        created = now - timedelta(days=rng.randint(1100, 2000))
        rows.append(
            [
                n,
                created,
                created,
                name,
                "",
                name[:12],
                kind,
                make_credit_code(n),
                region,
                entity,
                "",
                "",
                "",
                f"office{n}@example.cn",
                f"0772-{rng.randint(2000000, 8999999)}",
                "verified",
                created + timedelta(days=3),
                None,
                "",
            ]
        )
        owners.append(Owner(n, region, kind))
    return rows, owners


# --- listings (run in worker processes) --------------------------------------------------------


@dataclass(frozen=True)
class WorkerSetup:
    vocabulary: Vocabulary
    achievement_owners: list[Owner]
    demand_owners: list[Owner]
    now: datetime
    seed: int
    achievement_suffix: str
    demand_suffix: str


_SETUP: WorkerSetup | None = None


def _init_worker(setup: WorkerSetup) -> None:
    global _SETUP
    _SETUP = setup


def _zipf_pick(rng: random.Random, items: list[Owner]) -> Owner:
    # A few owners list most of the market (universities, big firms); the tail lists little.
    index = min(int(rng.paretovariate(1.1)) - 1, len(items) - 1)
    return items[index] if rng.random() < 0.7 else rng.choice(items)


def _modes(rng: random.Random, odds: tuple[tuple[str, float], ...]) -> list[str]:
    modes = [mode for mode, p in odds if rng.random() < p]
    return modes or ["cooperative"]


def _lifecycle(rng: random.Random, now: datetime) -> dict[str, Any]:
    """Status and the dates that go with it; published listings spread over three years, more recent more often."""
    status = rng.choices([s for s, _w in STATUSES], weights=[w for _s, w in STATUSES])[0]
    age = timedelta(days=3 * 365 * rng.random() ** 1.3, seconds=rng.randint(0, 86399))
    event = now - age
    dates: dict[str, Any] = {"status": status, "submitted_at": None, "published_at": None, "reviewed_at": None}
    if status == "draft":
        dates["created_at"] = event
    elif status == "submitted":
        dates["created_at"] = event - timedelta(days=rng.uniform(0.5, 20))
        dates["submitted_at"] = event
    else:
        published = status in ("published", "withdrawn", "expired", "transferred")
        if status == "expired":
            event = now - timedelta(days=rng.uniform(370, 3 * 365))
        dates["submitted_at"] = event - timedelta(days=rng.uniform(0.2, 10))
        dates["created_at"] = dates["submitted_at"] - timedelta(days=rng.uniform(0.1, 20))
        dates["reviewed_at"] = event
        if published:
            dates["published_at"] = event
    dates["updated_at"] = max(d for d in (dates["created_at"], dates["submitted_at"], event) if d is not None)
    return dates


def _field(rng: random.Random) -> str:
    return rng.choices(list(FIELD_SHARES), weights=list(FIELD_SHARES.values()))[0]


def _amount(rng: random.Random, median: float) -> Decimal:
    return Decimal(max(1000, round(rng.lognormvariate(0, 1.1) * median, -3))).quantize(Decimal("0.01"))


def _contact(rng: random.Random, n: int) -> list[str]:
    return [f"{rng.choice(SURNAMES)}工", f"0772-{rng.randint(2000000, 8999999)}", f"contact{n}@example.cn"]


def _listing_text(model: TextModel, rng: random.Random, field: str, *, demand: bool) -> dict[str, Any]:
    topic = model.topic(field)
    length = int(rng.triangular(80, 400, 180))
    if rng.random() < 0.03:
        title = model.english_title()
        text = model.english_text(length=length)
        translated = model.achievement_title(field, topic) if rng.random() < 0.5 else ""
        return {"language": "en", "title": title, "text": text, "translated_title": translated, "keywords": []}
    if demand:
        title = model.demand_title(field, topic)
        text = model.text(field, topic, length=length, openers=DEMAND_OPENERS)
    else:
        title = model.achievement_title(field, topic)
        text = model.text(field, topic, length=length)
    translated = model.english_title() if rng.random() < 0.1 else ""
    return {
        "language": "zh",
        "title": title[:200],
        "text": text,
        "translated_title": translated,
        "keywords": model.keywords(field, topic),
    }


def _derived(title: str, translated_title: str, keywords: list[str], text: str) -> list[str]:
    # What apps.listings.services does on every create and edit (fingerprint, search columns).
    columns = search.search_columns(head=[title, translated_title, " ".join(keywords)], body=[text, ""])
    return [search.fingerprint(title, text), columns["search_head"], columns["search_body"]]


def _listing_head(
    n: int, owner: Owner, dates: dict[str, Any], text: dict[str, Any], field: str, modes: list[str]
) -> list[Any]:
    return [
        n,
        dates["created_at"],
        dates["updated_at"],
        owner.id,
        None,
        dates["status"],
        text["language"],
        text["title"],
        text["translated_title"],
        field,
        text["keywords"],
        modes,
    ]


def achievement_chunk(task: tuple[int, int, int]) -> tuple[bytes, bytes, int]:
    """COPY lines for achievements ``first``…``first+count-1`` and their industries."""
    chunk, first, count = task
    setup = _SETUP
    assert setup is not None  # noqa: S101 — set by the pool initializer
    rng = random.Random(setup.seed * 1_000_003 + chunk)
    model = TextModel(setup.vocabulary, rng)
    today = setup.now.date()
    lines: list[str] = []
    industries: list[str] = []
    for n in range(first, first + count):
        owner = _zipf_pick(rng, setup.achievement_owners)
        field = _field(rng)
        dates = _lifecycle(rng, setup.now)
        text = _listing_text(model, rng, field, demand=False)
        price_type = rng.choices(("negotiable", "fixed", "range"), weights=(55, 25, 20))[0]
        price_min = price_max = None
        if price_type == "fixed":
            price_min = price_max = _amount(rng, 300_000)
        elif price_type == "range":
            price_min = _amount(rng, 200_000)
            price_max = (price_min * Decimal(str(round(rng.uniform(1.5, 5), 1)))).quantize(Decimal("0.01"))
        status = dates["status"]
        if status == "published":
            expires_on: date | None = today + timedelta(days=rng.randint(15, 720))
        elif status == "expired":
            expires_on = dates["published_at"].date() + timedelta(days=365)
        else:
            expires_on = None if rng.random() < 0.75 else today + timedelta(days=rng.randint(60, 720))
        row = _listing_head(n, owner, dates, text, field, _modes(rng, COOPERATION_ODDS))
        row += [owner.region, "详细技术方案、工艺参数与检测报告见附件（保密）。", *_contact(rng, n)]
        row += [dates["submitted_at"], dates["published_at"], dates["reviewed_at"], None]
        row += [rng.choice(REJECTION_REASONS) if status == "rejected" else ""]
        row += _derived(text["title"], text["translated_title"], text["keywords"], text["text"])
        row += [text["text"], "", rng.choices(range(1, 10), weights=TRL_WEIGHTS)[0]]
        row += [rng.choices(("original", "secondary", "absorbed"), weights=(70, 20, 10))[0]]
        row += [price_type, price_min, price_max, expires_on]
        lines.append(copy_line(row, setup.achievement_suffix))
        if rng.random() < 0.8:
            for industry in rng.sample(FIELD_INDUSTRIES[field], k=rng.choice((1, 1, 2))):
                industries.append(f"{n}\t{industry}\n")
    return "".join(lines).encode(), "".join(industries).encode(), count


def demand_chunk(task: tuple[int, int, int]) -> tuple[bytes, bytes, int]:
    chunk, first, count = task
    setup = _SETUP
    assert setup is not None  # noqa: S101 — set by the pool initializer
    rng = random.Random(setup.seed * 2_000_003 + chunk)
    model = TextModel(setup.vocabulary, rng)
    today = setup.now.date()
    lines: list[str] = []
    for n in range(first, first + count):
        owner = _zipf_pick(rng, setup.demand_owners)
        field = _field(rng)
        dates = _lifecycle(rng, setup.now)
        text = _listing_text(model, rng, field, demand=True)
        budget = rng.random()
        budget_min = budget_max = None
        if budget < 0.5:
            budget_min = _amount(rng, 200_000)
            budget_max = (budget_min * Decimal(str(round(rng.uniform(1.2, 4), 1)))).quantize(Decimal("0.01"))
        elif budget < 0.65:
            budget_max = _amount(rng, 500_000)
        elif budget < 0.75:
            budget_min = _amount(rng, 100_000)
        if dates["status"] == "expired":
            deadline = dates["published_at"].date() + timedelta(days=rng.randint(30, 365))
        else:
            deadline = today + timedelta(days=rng.randint(7, 365))
        preference = rng.random()
        row = _listing_head(n, owner, dates, text, field, _modes(rng, DEMAND_COOPERATION_ODDS))
        row += [owner.region, "现有工艺参数与产线情况见附件（保密）。", *_contact(rng, n)]
        row += [dates["submitted_at"], dates["published_at"], dates["reviewed_at"], None]
        row += [rng.choice(REJECTION_REASONS) if dates["status"] == "rejected" else ""]
        row += _derived(text["title"], text["translated_title"], text["keywords"], text["text"])
        row += [text["text"], "", rng.choice(FIELD_INDUSTRIES[field]) if rng.random() < 0.85 else None]
        row += [budget_min, budget_max, deadline]
        row += ["" if rng.random() < 0.4 else rng.choices(STAGES, weights=(15, 25, 35, 25))[0]]
        row += [None if preference < 0.75 else ("450200" if preference < 0.9 else "450000")]
        lines.append(copy_line(row, setup.demand_suffix))
    return "".join(lines).encode(), b"", count


# --- the database ------------------------------------------------------------------------------


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def connect(url: str) -> Any:
    return psycopg2.connect(url)


def read_meta(url: str) -> dict[str, Any] | None:
    """What was generated into the database at ``url``, or None when it is missing or incomplete."""
    try:
        conn = connect(url)
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s)", [META_TABLE])
            if cur.fetchone()[0] is None:
                return None
            cur.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'generated'")  # noqa: S608
            row = cur.fetchone()
            return row[0] if row else None
    finally:
        conn.close()


def recreate_database(url: str, template: str | None = None) -> None:
    """Drop and create the database, empty, or as a copy of ``template`` (a migrated database without
    generated rows: the migrations, slow on a busy machine, then have nothing left to do)."""
    name = database_name(url)
    if not name.startswith(DATABASE_PREFIX):
        raise SystemExit(f"refusing to drop and regenerate {name!r}: only databases named {DATABASE_PREFIX}* are mine")
    admin = connect(with_database(url, "postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if template:
                cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            else:
                cur.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    finally:
        admin.close()


def migrate(url: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=REPO_DIR,
        env={**env, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.listings.settings"},
        check=True,
    )


def _fill_suffix(cur: Any, table: str, given: list[str]) -> tuple[list[str], str]:
    """Columns a later migration made NOT NULL without a default, with a neutral value for every row."""
    cur.execute(
        """
        SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = %s AND is_nullable = 'NO' AND column_default IS NULL
          AND is_generated = 'NEVER' AND is_identity = 'NO'
        """,
        [table],
    )
    neutral = {"boolean": "f", "ARRAY": "{}", "jsonb": "{}", "json": "{}", "date": "2000-01-01"}
    # Columns whose neutral value a check constraint refuses: every generated organisation is Chinese.
    known = {"country_id": "156"}
    extra: list[str] = []
    values: list[str] = []
    for column, data_type in cur.fetchall():
        if column in given:
            continue
        extra.append(column)
        if column in known:
            values.append(known[column])
        elif data_type.startswith("timestamp"):
            values.append(datetime.now(TZ).isoformat())
        elif data_type in ("integer", "smallint", "bigint", "numeric", "double precision", "real"):
            values.append("0")
        else:
            values.append(neutral.get(data_type, ""))
    return extra, "".join("\t" + value for value in values)


def _secondary_indexes(cur: Any, table: str) -> list[tuple[str, str]]:
    """Indexes that back no constraint: dropped before the load, rebuilt from the same definition after."""
    cur.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        ORDER BY i.relname
        """,
        [table],
    )
    return list(cur.fetchall())


class _StreamReader(io.RawIOBase):
    """A file for ``copy_expert`` that pulls its bytes from an iterator of chunks.

    Reads walk a position through the current chunk instead of slicing off its head: slicing copied the
    rest of a multi-megabyte chunk on every 8 kB read, quadratic work that held the load to a few hundred
    rows a second whatever the generator's speed.
    """

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._chunk = b""
        self._position = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            rest = self._chunk[self._position :] + b"".join(self._chunks)
            self._chunk, self._position = b"", 0
            return rest
        while self._position >= len(self._chunk):
            try:
                self._chunk, self._position = next(self._chunks), 0
            except StopIteration:
                return b""
        out = self._chunk[self._position : self._position + size]
        self._position += len(out)
        return out


def _bounded_imap(pool: Any, worker: Callable[[Any], Any], tasks: list[Any], window: int = 8) -> Iterator[Any]:
    """``pool.imap`` with at most ``window`` chunks in flight, so rows never pile up in memory."""
    pending: deque[Any] = deque()
    queued = iter(tasks)
    for task in islice(queued, window):
        pending.append(pool.apply_async(worker, (task,)))
    while pending:
        result = pending.popleft().get()
        task = next(queued, None)
        if task is not None:
            pending.append(pool.apply_async(worker, (task,)))
        yield result


def _tasks(total: int) -> list[tuple[int, int, int]]:
    return [(i, start + 1, min(CHUNK_ROWS, total - start)) for i, start in enumerate(range(0, total, CHUNK_ROWS))]


def _copy_listings(
    conn: Any,
    pool: Any,
    *,
    table: str,
    columns: list[str],
    total: int,
    worker: Callable[[tuple[int, int, int]], tuple[bytes, bytes, int]],
    label: str,
) -> float:
    """COPY ``total`` generated rows into ``table`` (and achievements' industries) in one transaction."""
    started = time.perf_counter()
    side_rows: list[bytes] = []
    with conn.cursor() as cur, progress(total=total, desc=label, unit="row", unit_scale=True, smoothing=0.05) as bar:
        cur.execute("SET session_replication_role = replica")  # no per-row FK triggers: the rows are consistent
        cur.execute(f"TRUNCATE {table} CASCADE")

        def stream() -> Iterator[bytes]:
            for main, side, count in _bounded_imap(pool, worker, _tasks(total)):
                side_rows.append(side)
                bar.update(count)
                yield main

        cur.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FREEZE)", _StreamReader(stream()), size=COPY_READ
        )
        if table == "listings_achievement":
            cur.copy_expert(
                "COPY listings_achievement_industries (achievement_id, industry_id) FROM STDIN WITH (FREEZE)",
                _StreamReader(iter(side_rows)),
                size=COPY_READ,
            )
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(max(id), 1)) FROM {table}"  # noqa: S608
        )
        cur.execute("SET session_replication_role = DEFAULT")
    conn.commit()
    return time.perf_counter() - started


def generate(
    url: str,
    *,
    achievements: int,
    demands: int,
    organizations: int,
    seed: int,
    workers: int,
    env: dict[str, str],
    template: str | None = None,
) -> dict[str, Any]:
    """Drop and recreate the database, migrate, load; returns what was generated and how fast."""
    started = time.perf_counter()
    recreate_database(url, template)
    print(f"migrating {database_name(url)}…", flush=True)
    migrate(url, env)
    vocabulary = build_vocabulary()
    print(f"vocabulary: {vocabulary.size} words ({vocabulary.corpus_words} from the corpus files)", flush=True)
    now = datetime.now(TZ).replace(microsecond=0)
    org_rows, owners = organization_rows(organizations, now=now, seed=seed)
    conn = connect(url)
    stats: dict[str, Any] = {}
    try:
        with conn.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
            org_extra, org_suffix = _fill_suffix(cur, "organizations_organization", ORGANIZATION_COLUMNS)
            ach_extra, ach_suffix = _fill_suffix(cur, "listings_achievement", ACHIEVEMENT_COLUMNS)
            dem_extra, dem_suffix = _fill_suffix(cur, "listings_demand", DEMAND_COLUMNS)
            for table, extra in (("organizations", org_extra), ("achievements", ach_extra), ("demands", dem_extra)):
                if extra:
                    print(f"note: {table} has new NOT NULL columns {extra}: filled with neutral values")
            cur.copy_expert(
                f"COPY organizations_organization ({', '.join(ORGANIZATION_COLUMNS + org_extra)}) FROM STDIN",
                io.BytesIO("".join(copy_line(row, org_suffix) for row in org_rows).encode()),
            )
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('organizations_organization', 'id'), max(id)) "
                "FROM organizations_organization"
            )
            dropped = {table: _secondary_indexes(cur, table) for table in ("listings_achievement", "listings_demand")}
            for indexes in dropped.values():
                for name, _definition in indexes:
                    cur.execute(f'DROP INDEX "{name}"')
        conn.commit()
        listers = [o for o in owners if o.type != "enterprise"] + [o for o in owners if o.type == "enterprise"]
        enterprises = [o for o in owners if o.type == "enterprise"]
        setup = WorkerSetup(
            vocabulary=vocabulary,
            achievement_owners=listers,
            demand_owners=enterprises,
            now=now,
            seed=seed,
            achievement_suffix=ach_suffix,
            demand_suffix=dem_suffix,
        )
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=_init_worker, initargs=(setup,)) as pool:
            seconds = _copy_listings(
                conn,
                pool,
                table="listings_achievement",
                columns=ACHIEVEMENT_COLUMNS + ach_extra,
                total=achievements,
                worker=achievement_chunk,
                label="achievements",
            )
            stats["achievements"] = {"rows": achievements, "seconds": round(seconds, 1)}
            seconds = _copy_listings(
                conn,
                pool,
                table="listings_demand",
                columns=DEMAND_COLUMNS + dem_extra,
                total=demands,
                worker=demand_chunk,
                label="demands",
            )
            stats["demands"] = {"rows": demands, "seconds": round(seconds, 1)}
        index_started = time.perf_counter()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '1GB'")
            cur.execute("SET max_parallel_maintenance_workers = 2")
            definitions = [definition for indexes in dropped.values() for _name, definition in indexes]
            for definition in progress(definitions, desc="indexes", unit="index"):
                cur.execute(definition)
            stats["indexes_seconds"] = round(time.perf_counter() - index_started, 1)
            vacuum_started = time.perf_counter()
            tables = ("organizations_organization", "listings_achievement", "listings_achievement_industries")
            for table in progress((*tables, "listings_demand"), desc="vacuum analyze", unit="table"):
                cur.execute(f"VACUUM (ANALYZE) {table}")
            stats["vacuum_analyze_seconds"] = round(time.perf_counter() - vacuum_started, 1)
            cur.execute("SELECT pg_database_size(current_database())")
            stats["database_bytes"] = cur.fetchone()[0]
            stats["total_seconds"] = round(time.perf_counter() - started, 1)
            meta = {
                "version": GENERATOR_VERSION,
                "achievements": achievements,
                "demands": demands,
                "organizations": organizations,
                "seed": seed,
                "generated_at": now.isoformat(),
                "vocabulary_words": vocabulary.size,
                "stats": stats,
            }
            cur.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value jsonb NOT NULL)")
            cur.execute(
                f"INSERT INTO {META_TABLE} VALUES ('generated', %s) "  # noqa: S608
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [json.dumps(meta)],
            )
    finally:
        conn.close()
    return meta
