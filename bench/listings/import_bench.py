"""Throughput of the bulk listing import, against a bare COPY and a bare bulk_create of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mk_bulk_bench .venv/bin/python bench/listings/import_bench.py

The database must be a migrated scratch database (its name must contain "bench"): the script creates
owners and empties the listing tables (TRUNCATE) between runs and at the end. It generates N realistic
achievement rows (Chinese headers, Liuzhou subjects) into a temporary CSV and prints rows/s for:

- parse + validate + segment: :func:`apps.listings.importing.check_rows` over the whole file, one process;
- the full import through ``manage.py import_listings`` (the command's defaults: worker processes check
  while the main process stores), and again with ``--jobs 0`` (everything in one process, as the API does);
- baselines without validation or segmentation: ``COPY`` of the same rows, and ``bulk_create`` of bare
  model instances built straight from the cells.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.core.validators import credit_code_check_character  # noqa: E402
from apps.listings.importing import ACHIEVEMENT_KIND, build_context, check_rows, read_listing_file  # noqa: E402
from apps.listings.models import Achievement  # noqa: E402
from apps.organizations.models import Organization, OrganizationType, VerificationStatus  # noqa: E402

OWNERS = 40
SUBJECTS = (
    "汽车零部件",
    "发动机缸体",
    "变速箱齿轮",
    "新能源汽车电池包",
    "螺蛳粉",
    "甘蔗制糖",
    "冷轧带钢",
    "工程机械液压件",
    "智能网联汽车",
    "柳州茶油",
    "铝合金压铸件",
    "轨道交通转向架",
    "光电显示模组",
    "桂北中药材",
    "城市污水处理",
)
TECHNIQUES = (
    "机器视觉检测",
    "热处理变形控制",
    "轻量化结构设计",
    "低温杀菌保鲜",
    "智能排产调度",
    "表面缺陷识别",
    "余热回收利用",
    "数字孪生建模",
    "激光焊接",
    "高强钢热成形",
    "废水资源化",
    "在线质量监测",
)
SUFFIXES = ("系统", "技术", "工艺", "装置", "方法", "平台")
OPENERS = (
    "针对柳州{subject}企业生产中{problem}的问题，",
    "面向广西{subject}产业转型升级需求，",
    "本成果由校企联合团队历时{years}年研发，",
)
PROBLEMS = ("良品率偏低", "能耗偏高", "人工检测效率低", "工艺参数依赖经验", "设备故障难以预判")
BODIES = (
    "采用{technique}与深度学习相结合的方法，建立了多源数据融合模型，",
    "提出一种基于{technique}的新工艺路线，关键参数可在线自适应调整，",
    "研制了{technique}样机并完成中试验证，",
)
RESULTS = (
    "检测准确率达到{accuracy}%，单件节拍缩短{saving}%。",
    "综合能耗降低{saving}%，年节约成本约{money}万元。",
    "已在{plants}家企业推广应用，新增产值{money}万元。",
)
KEYWORDS = ("机器视觉", "缺陷检测", "节能降耗", "智能制造", "工业互联网", "新材料", "热处理", "食品安全", "数字化")
FIELDS = ("先进制造", "电子信息", "新材料及其应用", "新能源与高效节能", "农业", "现代交通", "环境保护与资源综合利用")
INDUSTRIES = ("汽车", "机械", "智能制造", "新能源汽车", "螺蛳粉", "蔗糖加工", "钢铁", "节能环保", "食品")
MODES = ("转让", "许可", "合作实施", "作价投资", "自行实施")
HEADERS = (
    "标题",
    "成果简介",
    "技术领域",
    "产业",
    "关键词",
    "技术成熟度",
    "合作方式",
    "价格类型",
    "最低价格",
    "最高价格",
    "有效期",
    "所属机构统一社会信用代码",
    "状态",
    "联系人",
    "联系电话",
    "联系邮箱",
    "保密内容",
)


def credit_code(n: int) -> str:
    body = f"91450211{n:09d}"
    return body + credit_code_check_character(body)


def generate_rows(n: int, seed: int = 2026) -> list[list[str]]:
    rng = random.Random(seed)
    expiry = (timezone.localdate() + timedelta(days=700)).isoformat()
    rows = []
    for i in range(1, n + 1):
        subject, technique = rng.choice(SUBJECTS), rng.choice(TECHNIQUES)
        summary = (
            rng.choice(OPENERS).format(subject=subject, problem=rng.choice(PROBLEMS), years=rng.randint(2, 8))
            + rng.choice(BODIES).format(technique=technique)
            + rng.choice(RESULTS).format(
                accuracy=f"{rng.uniform(95, 99.9):.1f}",
                saving=rng.randint(8, 45),
                money=rng.randint(50, 3000),
                plants=rng.randint(2, 30),
            )
            + f"成果登记号 LZ{i:07d}。"
        )
        price_type = rng.choice(("价格区间", "面议", "固定价格"))
        low = Decimal(rng.randint(5, 300) * 10_000)
        price_min = "" if price_type == "面议" else str(low)
        price_max = {"价格区间": str(low * 2), "固定价格": str(low)}.get(price_type, "")
        rows.append(
            [
                f"{subject}{technique}{rng.choice(SUFFIXES)}",
                summary,
                rng.choice(FIELDS),
                "、".join(rng.sample(INDUSTRIES, rng.randint(1, 2))),
                "；".join(rng.sample(KEYWORDS, rng.randint(2, 4))),
                str(rng.randint(3, 9)),
                "、".join(rng.sample(MODES, rng.randint(1, 3))),
                price_type,
                price_min,
                price_max,
                expiry,
                credit_code(i % OWNERS + 1),
                "已发布" if i % 5 == 0 else "草稿",
                rng.choice(("李工", "韦老师", "覃经理", "黄博士")),
                f"0772-{rng.randint(2000000, 8999999)}",
                f"contact{i % 97}@example.cn",
                f"核心工艺参数与试验数据（编号{i}），签署保密协议后提供。",
            ]
        )
    return rows


def write_csv(rows: list[list[str]], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        writer.writerows(rows)


def ensure_owners() -> dict[str, Organization]:
    owners = {}
    for n in range(1, OWNERS + 1):
        owners[credit_code(n)], _created = Organization.objects.get_or_create(
            credit_code=credit_code(n),
            defaults={
                "name": f"柳州基准测试单位{n}",
                "type": OrganizationType.UNIVERSITY,
                "region_id": "450202",
                "entity_type_id": "022",
                "verification_status": VerificationStatus.VERIFIED,
            },
        )
    return owners


def empty_listings() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {Achievement._meta.db_table}, {Achievement.industries.through._meta.db_table} CASCADE"
        )


def baseline_copy(rows: list[list[str]], owners: dict[str, Organization]) -> str:
    """COPY of the same rows' cells, converted only as far as the table needs: no checks, no jieba."""
    fields = {"先进制造": "03", "电子信息": "01", "新材料及其应用": "05", "新能源与高效节能": "06", "农业": "09"}
    fields |= {"现代交通": "10", "环境保护与资源综合利用": "07"}
    now = timezone.now().isoformat()
    columns = (
        "owner_id, status, language, title, translated_title, technology_field_id, keywords, cooperation_modes, "
        "region_id, confidential_detail, contact_name, contact_phone, contact_email, rejection_reason, "
        "fingerprint, search_head, search_body, summary, translated_summary, trl, attribute, price_type, "
        "price_min, price_max, expires_on, created_at, updated_at"
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for number, row in enumerate(rows, start=1):
        writer.writerow(
            [
                owners[row[11]].pk,
                "draft",
                "zh",
                row[0],
                "",
                fields[row[2]],
                "{" + ",".join(row[4].split("；")) + "}",
                "{transfer}",
                "450202",
                row[16],
                row[13],
                row[14],
                row[15],
                "",
                f"{number:064d}",
                "",
                "",
                row[1],
                "",
                row[5],
                "original",
                "negotiable",
                r"\N",
                r"\N",
                row[10],
                now,
                now,
            ]
        )
    buffer.seek(0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {Achievement._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            buffer,
        )
    return "one COPY (building its buffer included)"


def baseline_bulk_create(rows: list[list[str]], owners: dict[str, Organization]) -> str:
    """bulk_create of instances made straight from the cells: no serializer, no builder, no jieba."""
    fields = {"先进制造": "03", "电子信息": "01", "新材料及其应用": "05", "新能源与高效节能": "06", "农业": "09"}
    fields |= {"现代交通": "10", "环境保护与资源综合利用": "07"}
    with transaction.atomic():
        for start in range(0, len(rows), 1000):
            Achievement.objects.bulk_create(
                [
                    Achievement(
                        owner_id=owners[row[11]].pk,
                        region_id="450202",
                        title=row[0],
                        summary=row[1],
                        technology_field_id=fields[row[2]],
                        keywords=row[4].split("；"),
                        cooperation_modes=["transfer"],
                        trl=int(row[5]),
                        expires_on=row[10],
                        contact_name=row[13],
                        contact_phone=row[14],
                        contact_email=row[15],
                        confidential_detail=row[16],
                        fingerprint=f"{start + offset:064d}",
                    )
                    for offset, row in enumerate(rows[start : start + 1000])
                ]
            )
    return "batches of 1000"


def run_command(path: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command("import_listings", "achievements", str(path), "--no-progress", *extra, stdout=out, stderr=out)
    return out.getvalue().strip()


def backend_cpu_seconds() -> float:
    """CPU time of this connection's PostgreSQL backend (same machine), from /proc."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Measurement:
    label: str
    seconds: float
    python_cpu: float  # this process and its (reaped) worker processes
    postgres_cpu: float
    load: float  # 1-minute load average at the end: other work on the machine skews the wall time
    note: str


def measure(label: str, run: Callable[[], str]) -> Measurement:
    before, pg_before, started = os.times(), backend_cpu_seconds(), time.perf_counter()
    note = run()
    seconds = time.perf_counter() - started
    after, pg_after = os.times(), backend_cpu_seconds()
    python_cpu = sum(
        getattr(after, k) - getattr(before, k) for k in ("user", "system", "children_user", "children_system")
    )
    return Measurement(label, seconds, python_cpu, pg_after - pg_before, os.getloadavg()[0], note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--rows", type=int, default=100_000)
    parser.add_argument("--skip-inprocess", action="store_true", help="Skip the --jobs 0 run.")
    parser.add_argument("--allow-any-database", action="store_true", help="Run even if the name lacks 'bench'.")
    args = parser.parse_args()
    name = connection.settings_dict["NAME"]
    if "bench" not in name and not args.allow_any_database:
        sys.exit(f"Refusing to TRUNCATE listings in {name!r}: point DATABASE_URL at a scratch *bench* database.")

    owners = ensure_owners()
    rows = generate_rows(args.rows)
    results: list[Measurement] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "achievements.csv"
        write_csv(rows, path)
        size_mb = path.stat().st_size / 1_048_576
        print(f"{args.rows:,} achievement rows, CSV {size_mb:.1f} MB, database {name}, {os.cpu_count()} cores")

        def check_only() -> str:
            parsed = read_listing_file(ACHIEVEMENT_KIND, path.read_bytes(), filename=path.name)
            context = build_context(actor=None, parsed=parsed)
            checked = check_rows(ACHIEVEMENT_KIND, parsed.records, context)
            if checked.errors:
                sys.exit(f"generated rows failed the checks: {checked.errors[:3]}")
            return "read_listing_file + check_rows"

        results.append(measure("parse + validate + segment (1 process)", check_only))

        for label, extra in (("full import, command defaults", ()), ("full import, --jobs 0", ("--jobs", "0"))):
            if extra and args.skip_inprocess:
                continue
            empty_listings()
            results.append(measure(label, lambda extra=extra: run_command(path, *extra).splitlines()[-1]))
            if Achievement.objects.count() != args.rows:
                sys.exit(f"the import stored {Achievement.objects.count()} rows, not {args.rows}")

    empty_listings()
    results.append(measure("baseline: COPY, no validation/segmentation", lambda: baseline_copy(rows, owners)))
    empty_listings()
    results.append(
        measure("baseline: bulk_create, no validation/segmentation", lambda: baseline_bulk_create(rows, owners))
    )
    empty_listings()

    n = args.rows
    print(f"{'':52} {'seconds':>8} {'rows/s':>8} {'py µs/row':>10} {'pg µs/row':>10} {'load':>5}")
    for m in results:
        print(
            f"{m.label:52} {m.seconds:8.1f} {n / m.seconds:8,.0f} {m.python_cpu / n * 1e6:10,.0f} "
            f"{m.postgres_cpu / n * 1e6:10,.0f} {m.load:5.1f}   {m.note}"
        )
    print("py/pg µs/row: CPU time per row (Python incl. worker processes; the PostgreSQL backend).")


if __name__ == "__main__":
    main()
