"""Writes of the transaction statistics: the incremental fold and the nightly recompute.

- :func:`stats_fold_contract` brings one contract's share of every cell up to date. It computes the
  contract's fresh contribution (:func:`apps.stats.folding.contribution`), compares it with what the
  contract added before (``ContractFigures``) and applies only the difference, in one multi-row
  ``INSERT ... ON CONFLICT DO UPDATE`` over all grains with the rows sorted by key (two folds never
  wait on each other in opposite orders). The ``ContractFigures`` row lock serialises folds of one
  contract; replaying a fold finds nothing to do.
- :func:`stats_recompute` builds every cell from the source tables in set-based SQL, compares them
  with the incremental cells, records a :class:`RecomputeRun`, alerts the operator on any
  difference and (by default) repairs the cells and the per-contract figures.

A PostgreSQL advisory lock keeps the two apart: folds take it shared (they run side by side), the
recompute exclusive, so it never compares against a half-applied fold.

The dimension values of a contract are computed by one SQL expression (``apps.stats.dimension_sql``) for
the fold and the recompute alike; ``contract_dimensions`` there is the same rule in Python.
"""

# The SQL here is assembled from model table names and the Dim/Measure constants only; every value
# travels as a query parameter.
# ruff: noqa: S608

from __future__ import annotations

import functools
import json
import logging
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from apps.contracts.models import Contract, Payment, RegistrationEvent
from apps.stats import folding
from apps.stats.dimension_sql import dimension_params, dimension_sql
from apps.stats.dims import ALL, DIMS, GRAINS, Dim
from apps.stats.models import Cell, ContractFigures, RecomputeRun

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key shared by folds (shared mode) and the recompute (exclusive mode): "STATS".
STATS_LOCK_KEY = 0x5354415453
RECOMPUTE_NOTIFICATION_KIND = "stats.recompute_differences"
SAMPLE_SIZE = 25

_CELL = Cell._meta.db_table
_FIGURES = ContractFigures._meta.db_table
_CONTRACT = Contract._meta.db_table
_EVENT = RegistrationEvent._meta.db_table
_PAYMENT = Payment._meta.db_table
_DIM_COLUMNS = ", ".join(DIMS)
_MEASURES = ("contract_count", "contract_amount", "technology_amount", "paid_amount")
_AMOUNT_KINDS = tuple(sorted(folding.AMOUNT_KINDS))


def _participant_table() -> str:
    from apps.deals.models import DealParticipant

    return DealParticipant._meta.db_table


# --- the incremental fold ------------------------------------------------------------------------


class _Event(NamedTuple):
    kind: str
    effective_on: date
    contract_amount_delta: Decimal | None
    technology_amount_delta: Decimal | None


class _Payment(NamedTuple):
    paid_on: date
    amount: Decimal


@functools.cache
def _source_sql() -> str:
    """One round trip: the contract's dimension values, its amount events and its payments."""
    broker = (
        f"(SELECT p.broker_id FROM {_participant_table()} p"
        f" WHERE p.deal_id = c.deal_id AND p.role = 'broker' ORDER BY p.id LIMIT 1)::text"
    )
    dims = ", ".join(dimension_sql("c", broker))
    return (
        f"SELECT 0, NULL::text, NULL::date, NULL::numeric, NULL::numeric, ARRAY[{dims}]"
        f" FROM {_CONTRACT} c WHERE c.id = %(id)s"
        f" UNION ALL SELECT 1, e.kind, e.effective_on, e.contract_amount_delta, e.technology_amount_delta, NULL"
        f" FROM {_EVENT} e WHERE e.contract_id = %(id)s AND e.kind IN %(kinds)s"
        f" UNION ALL SELECT 2, NULL, p.paid_on, p.amount, NULL, NULL FROM {_PAYMENT} p WHERE p.contract_id = %(id)s"
    )


_LOCK_AND_READ_SQL = (
    "SELECT pg_advisory_xact_lock_shared(%(lock)s);"
    f" SELECT months, {_DIM_COLUMNS} FROM {_FIGURES} WHERE contract_id = %(id)s FOR UPDATE"
)
_CELL_COLUMNS = ("grain", "month", *DIMS, *_MEASURES)
_UPSERT_HEAD = f"INSERT INTO {_CELL} ({', '.join(_CELL_COLUMNS)}) VALUES "
_UPSERT_TAIL = " ON CONFLICT ON CONSTRAINT stats_cell_key DO UPDATE SET " + ", ".join(
    f"{m} = {_CELL}.{m} + EXCLUDED.{m}" for m in _MEASURES
)
_CELL_ROW = "(" + ", ".join(["%s"] * len(_CELL_COLUMNS)) + ")"


def _upsert_cells_sql(deltas: dict[folding.CellKey, folding.Figures]) -> tuple[str, list[Any]]:
    params: list[Any] = []
    for (grain, month, key), figures in deltas.items():  # already sorted by key
        params.extend((grain, month, *key, *figures))
    return _UPSERT_HEAD + ", ".join([_CELL_ROW] * len(deltas)) + _UPSERT_TAIL, params


@transaction.atomic
def stats_fold_contract(*, contract_id: int) -> bool:
    """Bring one contract's share of the cells up to date; True if any cell changed. Idempotent."""
    from psycopg2.extras import Json

    source_sql = _source_sql()
    params = {"id": contract_id, "lock": STATS_LOCK_KEY, "kinds": _AMOUNT_KINDS, **dimension_params()}
    # Cells are derived data: without waiting for the WAL flush a fold costs a fraction of the commit.
    # A crash can lose the last folds acknowledged; the nightly recompute finds and repairs them.
    lock_and_read = ("SET LOCAL synchronous_commit = off; " if settings.STATS_FOLD_ASYNC_COMMIT else "") + (
        _LOCK_AND_READ_SQL
    )
    with connection.cursor() as cursor:
        while True:
            cursor.execute(lock_and_read, params)
            stored = cursor.fetchone()
            # Read the sources only now, holding the lock: this statement sees every event committed
            # before a concurrent fold of this contract finished.
            cursor.execute(source_sql, params)
            dims: dict[Dim, str] | None = None
            events: list[_Event] = []
            payments: list[_Payment] = []
            for source, kind, day, first, second, values in cursor.fetchall():
                if source == 0:
                    dims = dict(zip(DIMS, values, strict=True))
                elif source == 1:
                    events.append(_Event(kind, day, first, second))
                else:
                    payments.append(_Payment(day, first))
            new = folding.contribution(events=events, payments=payments) if dims is not None else {}
            if stored is None:
                if not new or dims is None:
                    return False
                cursor.execute(
                    f"INSERT INTO {_FIGURES} (contract_id, months, version, folded_at, {_DIM_COLUMNS})"
                    f" VALUES (%s, %s, 1, now(), {', '.join(['%s'] * len(DIMS))})"
                    " ON CONFLICT (contract_id) DO NOTHING RETURNING 1",
                    [contract_id, Json(folding.months_to_json(new)), *(dims[d] for d in DIMS)],
                )
                if cursor.fetchone() is None:
                    continue  # a concurrent first fold created the row: fold again under its lock
                old_dims, old = None, {}
            else:
                old_dims = dict(zip(DIMS, stored[1:], strict=True))
                # Django leaves jsonb as text on raw cursors.
                months = json.loads(stored[0]) if isinstance(stored[0], str) else stored[0]
                old = folding.months_from_json(months)
                dims = dims or old_dims
            deltas = folding.cell_deltas(old_dims=old_dims, old=old, new_dims=dims, new=new)
            statements: list[str] = []
            statement_params: list[Any] = []
            if deltas:
                sql, cell_params = _upsert_cells_sql(deltas)
                statements.append(sql)
                statement_params.extend(cell_params)
            if stored is not None and (deltas or old_dims != dims or old != new):
                statements.append(
                    f"UPDATE {_FIGURES} SET months = %s, version = version + 1, folded_at = now(), "
                    + ", ".join(f"{d} = %s" for d in DIMS)
                    + " WHERE contract_id = %s"
                )
                statement_params.extend([Json(folding.months_to_json(new)), *(dims[d] for d in DIMS), contract_id])
            if statements:
                cursor.execute("; ".join(statements), statement_params)
            return bool(deltas)


# --- the recompute -------------------------------------------------------------------------------


def _fen(amount: str) -> str:
    """A yuan amount (numeric, two decimals) as whole fen: bigint sums run on 128-bit integers, several
    times faster than numeric ones, and every stored amount is exact in fen."""
    return f"({amount} * 100)::bigint"


def _yuan(fen: str) -> str:
    """Whole fen back to yuan, two decimals (the figure the cells and the fold store)."""
    return f"({fen}::numeric / 100)::numeric(20, 2)"


def _facts_cte() -> str:
    """``rows(contract_id, month, n, ca, ta, pa, <dims>)``: every contribution of every registered
    contract, the fold's rules in SQL (see :mod:`apps.stats.folding`); amounts in fen (bigint).

    A contract has at most one registered and one annulment event (unique constraints on the events),
    so ``cd`` has one row per registered contract.
    """
    broker = "b.broker_id::text"
    dims = ", ".join(f"{expression} AS {dim}" for expression, dim in zip(dimension_sql("c", broker), DIMS, strict=True))
    cd_dims = ", ".join(f"cd.{dim}" for dim in DIMS)
    return f"""
        brokers AS (
            SELECT DISTINCT ON (deal_id) deal_id, broker_id FROM {_participant_table()}
            WHERE role = 'broker' ORDER BY deal_id, id
        ),
        cd AS (
            SELECT c.id, r.effective_on AS reg_on, a.effective_on AS ann_on, {dims}
            FROM {_CONTRACT} c
            JOIN {_EVENT} r ON r.contract_id = c.id AND r.kind = 'registered'
            LEFT JOIN {_EVENT} a ON a.contract_id = c.id AND a.kind = 'annulment'
            LEFT JOIN brokers b ON b.deal_id = c.deal_id
        ),
        facts AS (
            SELECT e.contract_id, e.kind, e.effective_on AS day, {_fen("e.contract_amount_delta")} AS ca,
                   {_fen("e.technology_amount_delta")} AS ta, 0::bigint AS pa
            FROM {_EVENT} e WHERE e.kind IN %(kinds)s
            UNION ALL
            SELECT p.contract_id, 'payment', p.paid_on, 0, 0, {_fen("p.amount")} FROM {_PAYMENT} p
            UNION ALL
            SELECT a.contract_id, 'unpay', a.effective_on, 0, 0, -{_fen("p.amount")}
            FROM {_EVENT} a JOIN {_PAYMENT} p ON p.contract_id = a.contract_id AND p.paid_on <= a.effective_on
            WHERE a.kind = 'annulment'
        ),
        contrib AS (
            SELECT f.contract_id,
                   date_trunc('month', (CASE f.kind WHEN 'amount_correction' THEN cd.reg_on
                                                    WHEN 'payment' THEN greatest(f.day, cd.reg_on)
                                                    ELSE f.day END)::timestamp)::date AS month,
                   CASE f.kind WHEN 'registered' THEN 1 WHEN 'annulment' THEN -1 ELSE 0 END AS n,
                   f.ca, f.ta, f.pa, {cd_dims}
            FROM facts f JOIN cd ON cd.id = f.contract_id
            WHERE f.kind <> 'payment' OR cd.ann_on IS NULL OR f.day <= cd.ann_on
        )"""


_NONZERO = "sum(n) <> 0 OR sum(ca) <> 0 OR sum(ta) <> 0 OR sum(pa) <> 0"


def _grain0_sql() -> str:
    # Sums of bigint fen (see _fen): stats_rc holds fen until the comparison turns differences into yuan.
    return f"""
        CREATE TEMP TABLE stats_rc ON COMMIT DROP AS
        WITH {_facts_cte()}
        SELECT 0 AS grain, month, {_DIM_COLUMNS},
               sum(n)::bigint AS contract_count, sum(ca)::bigint AS contract_amount,
               sum(ta)::bigint AS technology_amount, sum(pa)::bigint AS paid_amount
        FROM contrib GROUP BY month, {_DIM_COLUMNS}
        HAVING {_NONZERO}"""


def _parent_grain(grain: Any) -> Any:
    """The grain ``grain`` is rolled up from: the one with the fewest dimensions that keeps all of
    ``grain``'s and more (grain 0 keeps every dimension, so there always is one)."""
    covering = [g for g in GRAINS if g.id != grain.id and grain.dims < g.dims]
    return min(covering, key=lambda g: (len(g.dims), g.id))


def _grain_levels() -> list[dict[int, list[Any]]]:
    """The coarser grains in rounds: round k rolls up, per parent grain of round k - 1 (round 0 is
    grain 0), the grains whose parent that is."""
    parents = {grain.id: _parent_grain(grain).id for grain in GRAINS if grain.id != 0}
    levels: list[dict[int, list[Any]]] = []
    done = {0}
    while len(done) < len(GRAINS):
        level: dict[int, list[Any]] = {}
        for grain in GRAINS:
            if grain.id not in done and parents[grain.id] in done:
                level.setdefault(parents[grain.id], []).append(grain)
        done |= {grain.id for grains in level.values() for grain in grains}
        levels.append(level)
    return levels


def _rollup_sql(source: str, parent: int, grains: list[Any]) -> str:
    """``grains`` from the rows of grain ``parent`` in ``source``: one scan, one hash table per grain
    (GROUPING SETS). A parent's cells hold every contribution (zero cells dropped add nothing)."""
    kept = [d for d in DIMS if any(d in g.dims for g in grains)]  # GROUPING() takes only these
    sets = ", ".join("(" + ", ".join(["month", *(d for d in kept if d in g.dims)]) + ")" for g in grains)

    def mask(grain: Any) -> int:
        return sum(1 << (len(kept) - 1 - i) for i, d in enumerate(kept) if d not in grain.dims)

    if len(grains) == 1:
        grain_id = str(grains[0].id)
    else:
        cases = " ".join(f"WHEN {mask(g)} THEN {g.id}" for g in grains)
        grain_id = f"CASE GROUPING({', '.join(kept)}) {cases} END"
    columns = ", ".join(
        f"CASE WHEN GROUPING({d}) = 1 THEN '{ALL}' ELSE {d} END AS {d}" if d in kept else f"'{ALL}' AS {d}"
        for d in DIMS
    )
    return f"""SELECT {grain_id} AS grain, month, {columns},
               sum(contract_count) AS contract_count, sum(contract_amount) AS contract_amount,
               sum(technology_amount) AS technology_amount, sum(paid_amount) AS paid_amount
        FROM {source} WHERE grain = {parent} GROUP BY GROUPING SETS ({sets})
        HAVING sum(contract_count) <> 0 OR sum(contract_amount) <> 0 OR sum(technology_amount) <> 0
            OR sum(paid_amount) <> 0"""


def _coarser_grains_sql() -> str:
    """Every other grain in one statement, each from its smallest parent (see :func:`_parent_grain`):
    the first round reads grain 0 once (one hash table per grain rolled up straight from it), the
    later rounds read the few cells of the round before (grains 2 and 3 from grain 9, and so on)
    instead of grain 0's millions again."""
    ctes = []
    for k, level in enumerate(_grain_levels(), start=1):
        # Grain 0 comes out of its hash aggregate in no order. Read in month order, the rows touch one
        # month's cells of each hash table at a time (every key holds the month), and those stay in the
        # CPU cache: a third less CPU at 1,000,000 contracts than in the table's order.
        source = "(SELECT * FROM stats_rc WHERE grain = 0 ORDER BY month) AS stats_rc" if k == 1 else f"rc_{k - 1}"
        parts = " UNION ALL ".join(f"({_rollup_sql(source, parent, grains)})" for parent, grains in level.items())
        ctes.append(f"rc_{k} AS MATERIALIZED ({parts})")
    union = " UNION ALL ".join(f"SELECT * FROM rc_{k}" for k in range(1, len(ctes) + 1))
    return f"""INSERT INTO stats_rc (grain, month, {_DIM_COLUMNS}, {", ".join(_MEASURES)})
        WITH {", ".join(ctes)} {union}"""


def _cell_hash(alias: str, *, in_yuan: bool) -> str:
    """A 64-bit hash of a cell's key and figures (amounts in fen), equal for equal cells on both sides."""
    amounts = [f"({alias}.{m} * 100)::bigint" if in_yuan else f"{alias}.{m}" for m in _MEASURES[1:]]
    values = [f"{alias}.{d}::text" for d in DIMS]
    return f"hash_record_extended(ROW({', '.join([*values, f'{alias}.contract_count', *amounts])}), 0)"


def _suspects_sql() -> str:
    """The (grain, month) groups whose cells may differ: a count and an XOR of cell hashes per group on
    each side, two scans and two small aggregates instead of a full join of every cell. Cells whose
    figures are all zero count as absent, as in the comparison."""
    zero = " AND ".join(f"c.{m} = 0" for m in _MEASURES)
    return f"""
        CREATE TEMP TABLE stats_rc_suspects ON COMMIT DROP AS
        SELECT grain, month FROM
            (SELECT r.grain, r.month, count(*) AS n, bit_xor({_cell_hash("r", in_yuan=False)}) AS h
             FROM stats_rc r GROUP BY 1, 2) r
        FULL JOIN
            (SELECT c.grain, c.month, count(*) AS n, bit_xor({_cell_hash("c", in_yuan=True)}) AS h
             FROM {_CELL} c WHERE NOT ({zero}) GROUP BY 1, 2) c
        USING (grain, month)
        WHERE r.n IS DISTINCT FROM c.n OR r.h IS DISTINCT FROM c.h"""


def _differences_sql() -> str:
    """Every differing cell of the suspect groups, with the recomputed figures back in yuan."""
    keys = ("grain", "month", *DIMS)
    joined = " AND ".join(f"r.{k} = c.{k}" for k in keys)
    key_columns = ", ".join(f"COALESCE(r.{k}, c.{k}) AS {k}" for k in keys)
    pairs = ", ".join(f"c.{m} AS old_{m}, r.{m} AS new_{m}" for m in _MEASURES)
    differs = " OR ".join(f"COALESCE(r.{m}, 0) <> COALESCE(c.{m}, 0)" for m in _MEASURES)
    recomputed = ", ".join([*keys, "contract_count", *(f"{_yuan(m)} AS {m}" for m in _MEASURES[1:])])
    suspect = "(grain, month) IN (SELECT grain, month FROM stats_rc_suspects)"
    return f"""
        CREATE TEMP TABLE stats_rc_diff ON COMMIT DROP AS
        SELECT {key_columns}, {pairs}
        FROM (SELECT {recomputed} FROM stats_rc WHERE {suspect}) r
        FULL JOIN (SELECT * FROM {_CELL} WHERE {suspect}) c ON {joined}
        WHERE {differs}"""


def _repair_cells_sql() -> str:
    keys = ("grain", "month", *DIMS)
    joined = " AND ".join(f"c.{k} = d.{k}" for k in keys)
    return f"""
        DELETE FROM {_CELL} c USING stats_rc_diff d WHERE {joined} AND d.new_contract_count IS NULL;
        INSERT INTO {_CELL} ({", ".join(keys)}, {", ".join(_MEASURES)})
        SELECT {", ".join(keys)}, {", ".join(f"new_{m}" for m in _MEASURES)}
        FROM stats_rc_diff WHERE new_contract_count IS NOT NULL
        ON CONFLICT ON CONSTRAINT stats_cell_key DO UPDATE SET
        {", ".join(f"{m} = EXCLUDED.{m}" for m in _MEASURES)}"""


def _repair_figures_sql() -> str:
    """Every registered contract's figures as the recompute sees them (only rows that differ are written)."""
    dims_set = ", ".join(f"{d} = EXCLUDED.{d}" for d in DIMS)
    distinct = " OR ".join(f"{_FIGURES}.{d} IS DISTINCT FROM EXCLUDED.{d}" for d in DIMS)
    return f"""
        CREATE TEMP TABLE stats_rc_figures ON COMMIT DROP AS
        WITH {_facts_cte()},
        per_month AS (
            SELECT contract_id, month, sum(n) AS n, sum(ca) AS ca, sum(ta) AS ta, sum(pa) AS pa
            FROM contrib GROUP BY contract_id, month HAVING {_NONZERO}
        )
        SELECT cd.id AS contract_id, jsonb_object_agg(
                   to_char(m.month, 'YYYY-MM-DD'),
                   jsonb_build_array(m.n, {_yuan("m.ca")}::text, {_yuan("m.ta")}::text, {_yuan("m.pa")}::text)
               ) AS months, {", ".join(f"cd.{d}" for d in DIMS)}
        FROM per_month m JOIN cd ON cd.id = m.contract_id
        GROUP BY cd.id, {", ".join(f"cd.{d}" for d in DIMS)};
        DELETE FROM {_FIGURES} f
        WHERE NOT EXISTS (SELECT 1 FROM stats_rc_figures r WHERE r.contract_id = f.contract_id);
        INSERT INTO {_FIGURES} (contract_id, months, version, folded_at, {_DIM_COLUMNS})
        SELECT contract_id, months, 1, now(), {_DIM_COLUMNS} FROM stats_rc_figures
        ON CONFLICT (contract_id) DO UPDATE SET months = EXCLUDED.months, {dims_set},
            version = {_FIGURES}.version + 1, folded_at = now()
        WHERE {_FIGURES}.months IS DISTINCT FROM EXCLUDED.months OR {distinct}"""


def _catch_up(*, since: Any) -> int:
    """Fold the contracts whose events or payments are younger than the grace period: their fold tasks
    may still be queued, and the recompute must not report those as differences."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT contract_id FROM {_EVENT} WHERE created_at >= %(since)s AND kind IN %(kinds)s"
            f" UNION SELECT contract_id FROM {_PAYMENT} WHERE created_at >= %(since)s",
            {"since": since, "kinds": _AMOUNT_KINDS},
        )
        recent = [row[0] for row in cursor.fetchall()]
    for contract_id in sorted(recent):
        stats_fold_contract(contract_id=contract_id)
    return len(recent)


def _sample_row(row: dict[str, Any]) -> dict[str, Any]:
    def figures(prefix: str) -> list[Any] | None:
        if row[f"{prefix}_contract_count"] is None:
            return None
        return [row[f"{prefix}_contract_count"], *(str(row[f"{prefix}_{m}"]) for m in _MEASURES[1:])]

    return {
        "grain": row["grain"],
        "month": row["month"].isoformat(),
        "key": {d: row[d] for d in DIMS if row[d] != ALL},
        "incremental": figures("old"),
        "recomputed": figures("new"),
    }


def stats_recompute(*, repair: bool = True) -> RecomputeRun:
    """Recompute every cell from the source tables and compare with the incremental state.

    Runs in one transaction under the exclusive statistics lock (folds wait meanwhile). Any differing
    cell makes ``differences > 0``, keeps a sample, logs an error and notifies the operators; with
    ``repair`` the differing cells and the per-contract figures are replaced by the recomputed ones.
    Cells whose sums are all zero count as absent.
    """
    started = timezone.now()
    run = RecomputeRun.objects.create(started_at=started)
    clock = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('work_mem', %s, true), pg_advisory_xact_lock(%s)",
            [settings.STATS_RECOMPUTE_WORK_MEM, STATS_LOCK_KEY],
        )
        # Inside a caller's transaction (tests) ON COMMIT DROP has not fired since the last run.
        cursor.execute("DROP TABLE IF EXISTS stats_rc, stats_rc_suspects, stats_rc_diff, stats_rc_figures")
        _catch_up(since=started - timedelta(minutes=settings.STATS_RECOMPUTE_GRACE_MINUTES))
        params = {"kinds": _AMOUNT_KINDS, **dimension_params()}
        # Grain 0 groups millions of contributions into nearly as many cells: the planner, seeing the
        # hash table outgrow work_mem, sorts them instead, and a sort on fourteen text keys compares
        # them with the collation (strcoll) while a hash compares bytes. A hash aggregate that spills
        # to disk in batches takes well under the sort's CPU at the same work_mem (see docs/statistics.md).
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(_grain0_sql(), params)
        cursor.execute("RESET enable_sort")
        # Rough statistics for the planner (the coarser grains and the comparison read this table); a
        # small sample is enough and costs a fraction of the default one.
        cursor.execute("SET LOCAL default_statistics_target = 10; ANALYZE stats_rc")
        cursor.execute(_coarser_grains_sql())
        cursor.execute(_suspects_sql())
        cursor.execute(_differences_sql())
        cursor.execute(
            f"SELECT (SELECT count(*) FROM stats_rc), (SELECT count(*) FROM stats_rc_diff),"
            f" (SELECT count(*) FROM {_EVENT} WHERE kind = 'registered')"
        )
        cells, differences, contracts = cursor.fetchone()
        sample: list[dict[str, Any]] = []
        if differences:
            cursor.execute(f"SELECT * FROM stats_rc_diff ORDER BY grain, month, {_DIM_COLUMNS} LIMIT {SAMPLE_SIZE}")
            names = [column.name for column in cursor.description]
            sample = [_sample_row(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]
            if repair:
                cursor.execute(_repair_cells_sql())
                cursor.execute(_repair_figures_sql(), params)
        RecomputeRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(),
            contracts=contracts,
            cells=cells,
            differences=differences,
            sample=sample,
            repaired=bool(differences and repair),
            seconds=time.monotonic() - clock,
        )
        run.refresh_from_db()
        if differences:
            _alert(run)
    return run


def _alert(run: RecomputeRun) -> None:
    from apps.notifications.services import notify
    from apps.organizations.access import operator_users

    logger.error(
        "Statistics recompute %s found %s differing cells (repaired: %s); first: %s",
        run.pk,
        run.differences,
        run.repaired,
        run.sample[:3],
    )
    notify(
        recipients=operator_users(),
        kind=RECOMPUTE_NOTIFICATION_KIND,
        title=gettext_lazy("The transaction statistics differed from a full recompute"),
        body=format_lazy(
            gettext_lazy("{count} statistics cells differed from the recomputed ones ({repaired})."),
            count=run.differences,
            repaired=gettext_lazy("repaired") if run.repaired else gettext_lazy("not repaired"),
        ),
        target=run,
    )
