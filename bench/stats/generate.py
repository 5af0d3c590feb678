"""Synthetic registered technology contracts for the statistics benchmark, loaded with COPY.

Everything the contracts app keeps for a registered contract: the contract (parties with region,
country and entity type snapshotted), its non-technical deduction, its registration, the registration
events (applied and registered for every contract; a few percent with a change, an amount correction,
a termination or an annulment) and 0–3 payments. Organisations, users, brokers and deals are created
first through the ORM (a few tens of thousands of rows); the bulk goes through COPY in chunks that two
worker processes generate while the main process loads the previous chunk.

Distributions (a Liuzhou market): 86 % of sellers in Liuzhou (4502xx), the rest elsewhere in Guangxi,
in other provinces, in Hong Kong/Macao/Taiwan or abroad (technology imports); buyers 42 % Liuzhou, 20 %
rest of Guangxi, 30 % other provinces, 1.5 % HMT, 3 % ASEAN, 3.5 % other countries. Parties are drawn
Zipf-distributed from their pools (a few universities and large firms sign most contracts). Contract
amounts are log-normal (median ≈ 300,000 yuan, from a few thousand to hundreds of millions), 30 % carry
deductions, signing dates span ten years with ~12 %/year growth and a December peak, 18 % of contracts
come through a deal with a broker.
"""

from __future__ import annotations

import io
import json
import math
import multiprocessing
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

import numpy as np

from bench.listings.report import progress

META_TABLE = "bench_stats_meta"
GENERATOR_VERSION = 1
CHUNK_CONTRACTS = 20_000
# Every foreign key of the loaded tables is checked after loads up to this size (a minute or so).
FK_CHECK_UP_TO = 1_000_000

START = date(2016, 12, 1)
# Contracts are signed up to this day, so that every one is registered (applied and decided) by today.
SIGN_MARGIN_DAYS = 75

# --- dimension distributions ---------------------------------------------------------------------

TYPES = ("development", "transfer", "licence", "consulting", "service")
TYPE_SHARES = (0.27, 0.08, 0.08, 0.09, 0.48)
TYPE_AMOUNT_FACTOR = (1.5, 1.3, 1.1, 0.4, 0.8)
LEGACY = {"development": "development", "transfer": "transfer", "licence": "transfer"}
SUBTYPES: dict[str, tuple[tuple[str, float], ...]] = {
    "development": (("commissioned_development", 0.8), ("cooperative_development", 0.2)),
    "transfer": (
        ("patent_right_transfer", 0.45),
        ("patent_application_right_transfer", 0.15),
        ("technical_secret_transfer", 0.2),
        ("software_copyright_transfer", 0.1),
        ("ic_layout_transfer", 0.02),
        ("plant_variety_transfer", 0.03),
        ("other_transfer", 0.05),
    ),
    "licence": (
        ("exclusive_patent_licence", 0.2),
        ("sole_patent_licence", 0.15),
        ("ordinary_patent_licence", 0.4),
        ("technical_secret_licence", 0.15),
        ("other_licence", 0.1),
    ),
    "consulting": (
        ("feasibility_study", 0.4),
        ("technology_forecast", 0.15),
        ("technology_evaluation", 0.3),
        ("other_consulting", 0.15),
    ),
    "service": (("general_service", 0.85), ("training", 0.1), ("brokerage", 0.05)),
}
TYPE_ZH = {
    "development": "技术开发",
    "transfer": "技术转让",
    "licence": "技术许可",
    "consulting": "技术咨询",
    "service": "技术服务",
}
IP_TYPES = (
    "invention_patent", "utility_model_patent", "design_patent", "software_copyright", "ic_layout",
    "plant_variety", "biomedicine_variety", "technical_secret", "other", "none",
)  # fmt: skip
# IP type shares by contract type (same order as IP_TYPES).
IP_SHARES = {
    "development": (0.12, 0.08, 0.01, 0.08, 0.005, 0.005, 0.01, 0.25, 0.07, 0.37),
    "transfer": (0.38, 0.2, 0.04, 0.1, 0.02, 0.03, 0.02, 0.15, 0.04, 0.02),
    "licence": (0.45, 0.2, 0.03, 0.08, 0.01, 0.01, 0.02, 0.15, 0.04, 0.01),
    "consulting": (0.02, 0.01, 0.0, 0.01, 0.0, 0.0, 0.0, 0.06, 0.05, 0.85),
    "service": (0.03, 0.02, 0.0, 0.04, 0.0, 0.0, 0.0, 0.08, 0.05, 0.78),
}
PROGRAMMES = ("none", "city_county", "provincial", "ministry", "national")
PROGRAMME_SHARES = (0.85, 0.06, 0.05, 0.02, 0.02)
FIELDS = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11")
FIELD_SHARES = (0.2, 0.015, 0.22, 0.05, 0.1, 0.08, 0.06, 0.005, 0.04, 0.14, 0.09)
FIELD_WORDS = {
    "01": ("工业软件", "智能网联", "数据平台", "嵌入式系统"),
    "02": ("无人机", "航空部件", "卫星导航"),
    "03": ("智能装备", "工程机械", "数控加工", "工业机器人"),
    "04": ("医疗器械", "中药制剂", "生物检测"),
    "05": ("高强钢", "复合材料", "铝合金", "特种涂层"),
    "06": ("动力电池", "氢能", "光伏", "节能改造"),
    "07": ("污水处理", "固废利用", "大气治理"),
    "08": ("辐照加工", "核检测"),
    "09": ("螺蛳粉", "甘蔗种植", "水产养殖", "茶叶加工"),
    "10": ("新能源汽车", "轨道交通", "汽车轻量化", "智能驾驶"),
    "11": ("智慧城市", "建筑节能", "公共卫生"),
}

LIUZHOU = ("450202", "450203", "450204", "450205", "450206", "450222", "450223", "450224", "450225", "450226")
GUANGXI = (
    ("450100", 0.32), ("450300", 0.14), ("450400", 0.05), ("450500", 0.06), ("450600", 0.03),
    ("450700", 0.05), ("450800", 0.06), ("450900", 0.06), ("451000", 0.05), ("451100", 0.04),
    ("451200", 0.05), ("451300", 0.05), ("451400", 0.04),
)  # fmt: skip
PROVINCES = (
    ("440000", 0.2), ("110000", 0.1), ("310000", 0.09), ("320000", 0.09), ("330000", 0.08),
    ("430000", 0.06), ("510000", 0.05), ("500000", 0.04), ("420000", 0.05), ("370000", 0.04),
    ("350000", 0.03), ("410000", 0.03), ("610000", 0.02), ("340000", 0.02), ("120000", 0.02),
    ("530000", 0.02), ("520000", 0.015), ("360000", 0.015), ("460000", 0.01), ("210000", 0.01),
    ("130000", 0.005), ("140000", 0.005), ("150000", 0.004), ("220000", 0.004), ("230000", 0.004),
    ("540000", 0.001), ("620000", 0.003), ("630000", 0.001), ("640000", 0.002), ("650000", 0.003),
)  # fmt: skip
HMT = (("810000", 0.6), ("710000", 0.3), ("820000", 0.1))
ASEAN = (
    ("704", 0.3), ("764", 0.2), ("458", 0.14), ("702", 0.14), ("360", 0.09), ("608", 0.04),
    ("116", 0.03), ("418", 0.03), ("104", 0.02), ("096", 0.005), ("626", 0.005),
)  # fmt: skip
ABROAD = (
    ("840", 0.2), ("276", 0.15), ("392", 0.14), ("410", 0.1), ("826", 0.07), ("250", 0.06), ("380", 0.04),
    ("036", 0.03), ("124", 0.03), ("752", 0.02), ("756", 0.02), ("528", 0.02), ("643", 0.03), ("356", 0.02),
    ("784", 0.02), ("682", 0.01), ("398", 0.01), ("860", 0.01), ("496", 0.01), ("050", 0.01), ("586", 0.01),
)  # fmt: skip
# Party location classes: 0 Liuzhou, 1 rest of Guangxi, 2 other provinces, 3 HMT, 4 ASEAN, 5 other abroad.
SELLER_CLASS_SHARES = (0.86, 0.07, 0.04, 0.005, 0.01, 0.015)
BUYER_CLASS_SHARES = (0.42, 0.20, 0.30, 0.015, 0.03, 0.035)
# Organisations per domestic class (a buyer or seller is drawn Zipf-distributed from its class's pool).
ORGS_PER_CLASS = (12_000, 4_000, 6_000, 300)
ENTITY_SHARES = (
    ("170", 0.36), ("150", 0.16), ("160", 0.08), ("110", 0.07), ("120", 0.01), ("130", 0.005),
    ("140", 0.005), ("180", 0.01), ("021", 0.08), ("022", 0.07), ("023", 0.02), ("024", 0.015),
    ("030", 0.01), ("200", 0.015), ("300", 0.02), ("013", 0.015), ("014", 0.02),
)  # fmt: skip
ORG_TYPE_BY_ENTITY = {"021": "research_institute", "022": "university"}
BROKER_SHARE = 0.18
DEALS = 400
BROKERS = 250
AGENCIES = 20
DEDUCTION_SHARE = 0.30
DEDUCTION_KINDS = ("equipment", "instruments", "parts", "raw_materials", "other")
PAYMENT_COUNT_SHARES = (0.15, 0.35, 0.30, 0.20)
CHANGE_SHARE, CORRECTION_SHARE, TERMINATION_SHARE, ANNULMENT_SHARE = 0.03, 0.01, 0.015, 0.005

CONTRACT_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "title",
    "contract_number",
    "deal_id",
    "type",
    "subtype",
    "legacy_class",
    "buyer_id",
    "buyer_name",
    "buyer_country_id",
    "buyer_region_id",
    "buyer_entity_type_id",
    "seller_id",
    "seller_name",
    "seller_country_id",
    "seller_region_id",
    "seller_entity_type_id",
    "is_import",
    "ip_type",
    "technology_field_id",
    "programme_class",
    "signed_on",
    "valid_from",
    "valid_until",
    "contract_amount",
    "deductions_total",
    "technology_amount",
    "document",
    "document_name",
    "document_content_type",
    "document_size",
    "document_sha256",
    "version",
    "created_by_id",
]
DEDUCTION_COLUMNS = ["id", "created_at", "updated_at", "kind", "description", "amount", "contract_id"]
REGISTRATION_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "status",
    "declared_contract_amount",
    "declared_technology_amount",
    "applied_at",
    "clock_started_on",
    "working_days",
    "deadline",
    "deadline_provisional",
    "overdue_notified_at",
    "registration_number",
    "recognised_contract_amount",
    "recognised_technology_amount",
    "refusal_ground",
    "decision_note",
    "correction_note",
    "decided_at",
    "applicant_id",
    "applied_by_id",
    "contract_id",
    "decided_by_id",
    "rule_set_id",
]
EVENT_COLUMNS = [
    "id",
    "kind",
    "effective_on",
    "contract_amount",
    "technology_amount",
    "contract_amount_delta",
    "technology_amount_delta",
    "note",
    "created_at",
    "actor_id",
    "contract_id",
    "registration_id",
]
PAYMENT_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "amount",
    "paid_on",
    "reference",
    "note",
    "contract_id",
    "recorded_by_id",
    "milestone_id",
]

TABLES = {
    "contracts_contract": CONTRACT_COLUMNS,
    "contracts_deduction": DEDUCTION_COLUMNS,
    "contracts_registration": REGISTRATION_COLUMNS,
    "contracts_registrationevent": EVENT_COLUMNS,
    "contracts_payment": PAYMENT_COLUMNS,
}
# Ids are derived from the contract id, so chunks made in parallel never collide.
EVENT_IDS_PER_CONTRACT = 8
PAYMENT_IDS_PER_CONTRACT = 4


def _split(pairs: tuple[tuple[str, float], ...]) -> tuple[list[str], np.ndarray]:
    codes = [code for code, _share in pairs]
    shares = np.array([share for _code, share in pairs], dtype=float)
    return codes, shares / shares.sum()


def _norm(shares: tuple[float, ...]) -> np.ndarray:
    array = np.array(shares, dtype=float)
    return array / array.sum()


def _zipf(n: int, exponent: float = 0.9) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return np.cumsum(weights / weights.sum())


@dataclass(frozen=True)
class Party:
    id: int | None
    name: str
    country: str
    region: str | None
    entity_type: str


@dataclass
class Setup:
    """What the workers need: the party pools, deals and reference ids (inherited by fork)."""

    today: date
    seed: int
    parties: list[list[Party]]  # per domestic class 0..3
    rule_sets: list[tuple[date, int]]  # (effective_from, id), ascending
    deals: list[int]
    correction_kind: str | None
    office_code: str
    contract_suffix: str
    registration_suffix: str


_SETUP: Setup | None = None


def _init_worker(setup: Setup) -> None:
    global _SETUP
    _SETUP = setup


def _money(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def _day_weights(days: int) -> np.ndarray:
    """Per signing day: ~12 % growth a year, more in December, fewer around Spring Festival."""
    month_factor = {1: 0.75, 2: 0.65, 12: 1.5, 6: 1.15, 9: 1.05}
    weights = np.empty(days)
    for d in range(days):
        day = START + timedelta(days=d)
        weights[d] = 1.12 ** (d / 365.25) * month_factor.get(day.month, 1.0)
    return np.cumsum(weights / weights.sum())


def contract_chunk(task: tuple[int, int, int]) -> tuple[dict[str, bytes], dict[str, int], int]:
    """COPY text of ``count`` contracts from id ``first`` on, with everything hanging off them."""
    chunk_index, first, count = task
    setup = _SETUP
    if setup is None:
        raise RuntimeError("contract_chunk runs in a pool initialised with _init_worker")
    rng = np.random.default_rng([setup.seed, chunk_index])
    today = setup.today
    sign_days = (today - START).days - SIGN_MARGIN_DAYS
    last_day = (today - START).days - 1  # events and payments up to yesterday
    dates = [(START + timedelta(days=d)).isoformat() for d in range(last_day + 1300)]
    years = [(START + timedelta(days=d)).year for d in range(last_day + 1300)]

    n = count
    sign = np.searchsorted(_day_weights_cached(sign_days), rng.random(n))
    ctype = rng.choice(len(TYPES), n, p=_norm(TYPE_SHARES))
    field = rng.choice(len(FIELDS), n, p=_norm(FIELD_SHARES))
    programme = rng.choice(len(PROGRAMMES), n, p=_norm(PROGRAMME_SHARES))
    seller_class = rng.choice(6, n, p=_norm(SELLER_CLASS_SHARES))
    buyer_class = rng.choice(6, n, p=_norm(BUYER_CLASS_SHARES))
    seller_pick = rng.random(n)
    buyer_pick = rng.random(n)
    country_pick = rng.random(n)
    factor = np.array(TYPE_AMOUNT_FACTOR)[ctype]
    # log-normal: median ~300,000 yuan, 1st percentile a few thousand, top hundreds of millions
    amount = np.exp(rng.normal(math.log(300_000), 1.7, n)) * factor
    amount_fen = (np.clip(amount, 3_000, 900_000_000) * 100).astype(np.int64)
    has_deduction = rng.random(n) < DEDUCTION_SHARE
    deduction_frac = rng.uniform(0.05, 0.6, n)
    has_deal = rng.random(n) < BROKER_SHARE
    deal_pick = rng.random(n)
    apply_lag = rng.integers(1, 31, n)
    decide_lag = rng.integers(3, 26, n)
    valid_days = rng.integers(90, 1096, n)
    unbounded = rng.random(n) < 0.1
    event_roll = rng.random((n, 4))
    event_gaps = rng.integers(20, 400, (n, 4))
    event_factor = rng.uniform(0.6, 1.4, (n, 4))
    payments_n = rng.choice(4, n, p=_norm(PAYMENT_COUNT_SHARES))
    paid_share = rng.uniform(0.3, 1.0, n)
    payment_weights = rng.random((n, 3)) + 0.1
    payment_offsets = rng.random((n, 3))
    subtype_roll = rng.random(n)
    ip_roll = rng.random(n)
    misc = rng.integers(0, 1_000_000, n)

    types_l = ctype.tolist()
    subtype_idx = np.zeros(n, dtype=np.int64)
    ip_idx = np.zeros(n, dtype=np.int64)
    for k, t in enumerate(TYPES):
        mask = ctype == k
        cum = np.cumsum([s for _c, s in SUBTYPES[t]])
        subtype_idx[mask] = np.minimum(np.searchsorted(cum, subtype_roll[mask]), len(cum) - 1)
        cum = np.cumsum(_norm(IP_SHARES[t]))
        ip_idx[mask] = np.minimum(np.searchsorted(cum, ip_roll[mask]), len(cum) - 1)
    pools = setup.parties
    pool_cum = [_zipf(len(pool)) for pool in pools]
    asean_codes, asean_p = _split(ASEAN)
    abroad_codes, abroad_p = _split(ABROAD)
    # an import: the buyer is in China and registers (a party abroad is never on the platform)
    buyer_class = np.where((seller_class >= 4) & (buyer_class >= 4), 0, buyer_class)

    positions = {party.id: (cls, k) for cls, pool in enumerate(pools) for k, party in enumerate(pool)}

    def draw(classes: np.ndarray, pick: np.ndarray, cpick: np.ndarray) -> list[Party]:
        index = np.zeros(n, dtype=np.int64)
        for cls in range(4):
            mask = classes == cls
            index[mask] = np.minimum(np.searchsorted(pool_cum[cls], pick[mask]), len(pools[cls]) - 1)
        asean_i = np.minimum(np.searchsorted(np.cumsum(asean_p), cpick), len(asean_codes) - 1)
        abroad_i = np.minimum(np.searchsorted(np.cumsum(abroad_p), cpick), len(abroad_codes) - 1)
        out: list[Party] = []
        for cls, k, a, b, c in zip(
            classes.tolist(), index.tolist(), asean_i.tolist(), abroad_i.tolist(), cpick.tolist(), strict=True
        ):
            if cls <= 3:
                out.append(pools[cls][k])
            else:
                code = asean_codes[a] if cls == 4 else abroad_codes[b]
                out.append(Party(None, f"境外合作方{code}-{int(c * 997)}", code, None, "300"))
        return out

    sellers = draw(seller_class, seller_pick, country_pick)
    buyers = draw(buyer_class, buyer_pick, 1.0 - country_pick)
    deal_ids: list[str] = ["\\N"] * n
    if setup.deals:
        deal_i = np.minimum(np.searchsorted(_zipf(len(setup.deals), 0.7), deal_pick), len(setup.deals) - 1)
        deal_ids = [
            str(setup.deals[d]) if h else "\\N" for d, h in zip(deal_i.tolist(), has_deal.tolist(), strict=True)
        ]
    rule_sets = setup.rule_sets
    correction_kind = setup.correction_kind
    office = setup.office_code
    sign_l, field_l, prog_l, amount_l = sign.tolist(), field.tolist(), programme.tolist(), amount_fen.tolist()
    has_ded_l, ded_frac_l, misc_l = has_deduction.tolist(), deduction_frac.tolist(), misc.tolist()
    apply_l, decide_l, valid_l, unbounded_l = (
        apply_lag.tolist(),
        decide_lag.tolist(),
        valid_days.tolist(),
        unbounded.tolist(),
    )
    roll_l, gaps_l, factor_l = event_roll.tolist(), event_gaps.tolist(), event_factor.tolist()
    pay_n_l, paid_share_l, pay_w_l, pay_o_l = (
        payments_n.tolist(),
        paid_share.tolist(),
        payment_weights.tolist(),
        payment_offsets.tolist(),
    )
    subtype_l, ip_l = subtype_idx.tolist(), ip_idx.tolist()
    rule_days = [((effective_from - START).days, rule_id) for effective_from, rule_id in rule_sets]

    contracts: list[str] = []
    deductions: list[str] = []
    registrations: list[str] = []
    events: list[str] = []
    payments: list[str] = []
    csuffix, rsuffix = setup.contract_suffix, setup.registration_suffix
    null = "\\N"

    for i in range(n):
        cid = first + i
        t = TYPES[types_l[i]]
        subtype = SUBTYPES[t][subtype_l[i]][0]
        ip_type = IP_TYPES[ip_l[i]]
        seller = sellers[i]
        buyer = buyers[i]
        if buyer.id is not None and buyer.id == seller.id:
            cls, k = positions[buyer.id]
            buyer = pools[cls][(k + 1) % len(pools[cls])]
        is_import = seller.country != "156"
        f = FIELDS[field_l[i]]
        words = FIELD_WORDS[f]
        title = f"{words[misc_l[i] % len(words)]}{TYPE_ZH[t]}合同"
        s_day = sign_l[i]
        s_date = dates[s_day]
        created = f"{s_date} 10:00:00+08"
        c_fen = amount_l[i]
        d_fen = int(c_fen * ded_frac_l[i]) if has_ded_l[i] else 0
        t_fen = c_fen - d_fen
        until = null if unbounded_l[i] else dates[s_day + valid_l[i]]
        contracts.append(
            f"{cid}\t{created}\t{created}\t{title}\tLZ{cid}\t{deal_ids[i]}\t{t}\t{subtype}\t{LEGACY.get(t, t)}\t"
            f"{null if buyer.id is None else buyer.id}\t{buyer.name}\t{buyer.country}\t{buyer.region or null}\t"
            f"{buyer.entity_type}\t{null if seller.id is None else seller.id}\t{seller.name}\t{seller.country}\t"
            f"{seller.region or null}\t{seller.entity_type}\t{'t' if is_import else 'f'}\t{ip_type}\t{f}\t"
            f"{PROGRAMMES[prog_l[i]]}\t{s_date}\t{s_date}\t{until}\t{_money(c_fen)}\t{_money(d_fen)}\t"
            f"{_money(t_fen)}\t\t\t\t0\t\t1\t{null}{csuffix}\n"
        )
        if d_fen:
            kind = DEDUCTION_KINDS[misc_l[i] % 5]
            deductions.append(f"{cid}\t{created}\t{created}\t{kind}\t\t{_money(d_fen)}\t{cid}\n")

        # registration: applied a few days after signing, decided within the deadline
        a_day = s_day + apply_l[i]
        r_day = a_day + decide_l[i]
        a_date, r_date = dates[a_day], dates[r_day]
        rule_set = rule_days[0][1]
        for effective_day, rule_id in rule_days:
            if effective_day <= a_day:
                rule_set = rule_id
        working_days = 30 if t_fen >= 500_000_000 else 15
        deadline = dates[a_day + (42 if working_days == 30 else 21)]
        applicant = buyer.id if is_import else seller.id
        number = f"{office[:4]}{years[r_day]}{cid:08d}"
        applied_at = f"{a_date} 09:30:00+08"
        decided_at = f"{r_date} 15:00:00+08"
        eid = cid * EVENT_IDS_PER_CONTRACT
        c_text, t_text = _money(c_fen), _money(t_fen)
        events.append(
            f"{eid}\tapplied\t{a_date}\t{null}\t{null}\t{null}\t{null}\t\t{applied_at}\t{null}\t{cid}\t{cid}\n"
        )
        events.append(
            f"{eid + 1}\tregistered\t{r_date}\t{c_text}\t{t_text}\t{c_text}\t{t_text}\t\t{decided_at}\t{null}\t"
            f"{cid}\t{cid}\n"
        )
        status = "registered"
        cur_c, cur_t = c_fen, t_fen
        recognised = (c_text, t_text)
        roll = roll_l[i]
        if (
            roll[0] < CHANGE_SHARE
            or roll[1] < CORRECTION_SHARE
            or roll[2] < TERMINATION_SHARE
            or roll[3] < ANNULMENT_SHARE
        ):
            plan = []
            if roll[0] < CHANGE_SHARE:
                plan.append("change")
            if roll[1] < CORRECTION_SHARE and correction_kind:
                plan.append(correction_kind)
            if roll[2] < TERMINATION_SHARE:
                plan.append("termination")
            if roll[3] < ANNULMENT_SHARE:
                plan.append("annulment")
            day = r_day
            for j, kind in enumerate(plan):
                day = min(day + gaps_l[i][j], last_day)
                if kind == "annulment":
                    new_c, new_t = 0, 0
                elif kind == "termination":
                    share = min(factor_l[i][j], 1.0) * 0.8
                    new_c = max(int(cur_c * share), 1)
                    new_t = min(int(cur_t * share), new_c)
                else:  # a change, or an amount correction
                    new_c = max(int(cur_c * factor_l[i][j]), 100)
                    new_t = min(int(new_c * (cur_t / cur_c)), new_c) if cur_c else 0
                effective = r_date if kind == correction_kind else dates[day]
                events.append(
                    f"{eid + 2 + j}\t{kind}\t{effective}\t{_money(new_c)}\t{_money(new_t)}\t{_money(new_c - cur_c)}\t"
                    f"{_money(new_t - cur_t)}\t\t{dates[day]} 11:00:00+08\t{null}\t{cid}\t{cid}\n"
                )
                if kind == "annulment":
                    status = "annulled"
                else:
                    recognised = (_money(new_c), _money(new_t))
                    if kind == "termination":
                        status = "terminated"
                cur_c, cur_t = new_c, new_t
        registrations.append(
            f"{cid}\t{applied_at}\t{decided_at}\t{status}\t{c_text}\t{t_text}\t{applied_at}\t{a_date}\t"
            f"{working_days}\t{deadline}\tf\t{null}\t{number}\t{recognised[0]}\t{recognised[1]}\t"
            f"\t\t\t{decided_at}\t{applicant}\t{null}\t{cid}\t{null}\t{rule_set}{rsuffix}\n"
        )

        # payments: 0-3, summing to at most the contract amount, dated from the signing on
        p_count = pay_n_l[i]
        if p_count:
            total = int(c_fen * paid_share_l[i])
            weights = pay_w_l[i][:p_count]
            weight_sum = sum(weights)
            span = 730 if unbounded_l[i] else valid_l[i]
            offsets = sorted(int(o * span) for o in pay_o_l[i][:p_count])
            pid = cid * PAYMENT_IDS_PER_CONTRACT
            for j in range(p_count):
                paid_day = min(s_day + offsets[j], last_day)
                paid_on = dates[paid_day]
                stamp = f"{paid_on} 16:00:00+08"
                part = max(int(total * weights[j] / weight_sum), 1)
                payments.append(
                    f"{pid + j}\t{stamp}\t{stamp}\t{_money(part)}\t{paid_on}\tTX{cid}-{j}\t\t{cid}\t{null}\t{null}\n"
                )

    out = {
        "contracts_contract": "".join(contracts).encode(),
        "contracts_deduction": "".join(deductions).encode(),
        "contracts_registration": "".join(registrations).encode(),
        "contracts_registrationevent": "".join(events).encode(),
        "contracts_payment": "".join(payments).encode(),
    }
    counts = {
        "contracts_contract": n,
        "contracts_deduction": len(deductions),
        "contracts_registration": n,
        "contracts_registrationevent": len(events),
        "contracts_payment": len(payments),
    }
    return out, counts, n


_DAY_WEIGHTS: dict[int, np.ndarray] = {}


def _day_weights_cached(days: int) -> np.ndarray:
    if days not in _DAY_WEIGHTS:
        _DAY_WEIGHTS[days] = _day_weights(days)
    return _DAY_WEIGHTS[days]


# --- small reference rows through the ORM ---------------------------------------------------------


def create_parties(*, seed: int) -> tuple[list[list[Party]], list[int], int]:
    """Organisations per location class, the operator, broker agencies, brokers and deals.

    Returns the party pools, the deal ids and the operator user's id.
    """
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.brokers.models import Broker
    from apps.deals.models import Deal, DealParticipant
    from apps.organizations.models import Membership, Organization
    from bench.listings.generate import make_credit_code

    rng = np.random.default_rng([seed, 999_999])
    entity_codes, entity_p = _split(ENTITY_SHARES)
    guangxi_codes, guangxi_p = _split(GUANGXI)
    province_codes, province_p = _split(PROVINCES)
    hmt_codes, hmt_p = _split(HMT)
    now = timezone.now()
    orgs: list[Organization] = []
    classes: list[int] = []
    serial = 0
    for cls, size in enumerate(ORGS_PER_CLASS):
        entities = rng.choice(len(entity_codes), size, p=entity_p)
        for j in range(size):
            serial += 1
            entity = entity_codes[entities[j]]
            if cls == 0:
                region = LIUZHOU[int(rng.integers(0, len(LIUZHOU)))] if rng.random() < 0.92 else "450200"
                city = "柳州"
            elif cls == 1:
                region = guangxi_codes[rng.choice(len(guangxi_codes), p=guangxi_p)]
                city = "广西"
            elif cls == 2:
                region = province_codes[rng.choice(len(province_codes), p=province_p)]
                city = ""
            else:
                region = hmt_codes[rng.choice(len(hmt_codes), p=hmt_p)]
                city = "港澳台"
                entity = "200" if rng.random() < 0.8 else entity
            org_type = ORG_TYPE_BY_ENTITY.get(entity, "enterprise")
            suffix = {"university": "大学", "research_institute": "研究院"}.get(org_type, "有限公司")
            orgs.append(
                Organization(
                    name=f"{city}基准{serial}号{suffix}",
                    type=org_type,
                    credit_code=make_credit_code(serial),
                    region_id=region,
                    entity_type_id=entity,
                    verification_status="verified",
                    verified_at=now,
                )
            )
            classes.append(cls)
    operator = Organization(
        name="柳州科技大市场运营中心",
        type="market_operator",
        credit_code=make_credit_code(serial + 1),
        region_id="450202",
        entity_type_id="024",
        verification_status="verified",
        verified_at=now,
    )
    agencies = [
        Organization(
            name=f"柳州技术经纪{k}所",
            type="broker_agency",
            credit_code=make_credit_code(serial + 2 + k),
            region_id="450202",
            entity_type_id="170",
            verification_status="verified",
            verified_at=now,
        )
        for k in range(AGENCIES)
    ]
    Organization.objects.bulk_create([*orgs, operator, *agencies], batch_size=5000)
    unusable = "!"
    operator_user = User.objects.create(email="operator@bench-stats.example", name="统计基准运营", password=unusable)
    Membership.objects.create(user=operator_user, organization=operator, role="admin")
    broker_users = User.objects.bulk_create(
        [User(email=f"broker{k}@bench-stats.example", name=f"经纪人{k}", password=unusable) for k in range(BROKERS)]
    )
    brokers = Broker.objects.bulk_create(
        [
            Broker(
                user=user,
                organization=agencies[k % AGENCIES],
                level=("junior", "intermediate", "senior")[k % 3],
                certificate_number=f"GXJJ{2020 + k % 6}{k:05d}",
                status="verified",
                verified_at=now,
            )
            for k, user in enumerate(broker_users)
        ]
    )
    pools: list[list[Party]] = [[] for _ in ORGS_PER_CLASS]
    for org, cls in zip(orgs, classes, strict=True):
        pools[cls].append(Party(org.pk, org.name, "156", org.region_id, org.entity_type_id))
    # Zipf ranks: shuffle so that the big parties are of every kind.
    for pool in pools:
        order = rng.permutation(len(pool))
        pool[:] = [pool[k] for k in order]
    deals = []
    broker_cum = _zipf(len(brokers), 0.8)
    participants: list[DealParticipant] = []
    deal_rows = []
    for k in range(DEALS):
        seller = pools[0][int(rng.integers(0, 2000))]
        buyer = pools[int(rng.choice(3, p=[0.5, 0.25, 0.25]))][int(rng.integers(0, 2000))]
        if buyer.id == seller.id:
            buyer = pools[1][k]
        deal_rows.append(
            Deal(
                title=f"基准交易{k}",
                buyer_id=cast(int, buyer.id),  # organisations of the pools always have an id
                seller_id=cast(int, seller.id),
                stage="registered",
                signed_at=now - timedelta(days=int(rng.integers(30, 3000))),
            )
        )
    deals = Deal.objects.bulk_create(deal_rows)
    for deal in deals:
        participants.append(DealParticipant(deal=deal, role="buyer", organization_id=deal.buyer_id))
        participants.append(DealParticipant(deal=deal, role="seller", organization_id=deal.seller_id))
        first = min(int(np.searchsorted(broker_cum, rng.random())), len(brokers) - 1)
        participants.append(DealParticipant(deal=deal, role="broker", broker=brokers[first]))
        if rng.random() < 0.1:
            second = (first + 1 + int(rng.integers(0, len(brokers) - 1))) % len(brokers)
            participants.append(DealParticipant(deal=deal, role="broker", broker=brokers[second]))
    DealParticipant.objects.bulk_create(participants)
    return pools, [deal.pk for deal in deals], operator_user.pk


# --- the load -------------------------------------------------------------------------------------


def _copy(cur: Any, table: str, columns: list[str], data: bytes) -> None:
    if data:
        cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FREEZE)", io.BytesIO(data))


def generate(conn: Any, *, contracts: int, seed: int, today: date, workers: int = 2) -> dict[str, Any]:
    """Load ``contracts`` registered contracts into the migrated, empty database behind ``conn``."""
    from django.conf import settings

    from apps.contracts.models import AMOUNT_EVENT_KINDS
    from bench.listings.generate import _bounded_imap, _fill_suffix, _secondary_indexes

    started = time.perf_counter()
    stats: dict[str, Any] = {}
    pools, deals, operator_id = create_parties(seed=seed)
    stats["parties_seconds"] = round(time.perf_counter() - started, 1)
    standard = {"registered", "change", "termination", "annulment"}
    extra_kinds = [str(kind) for kind in AMOUNT_EVENT_KINDS if str(kind) not in standard]
    correction_kind = extra_kinds[0] if extra_kinds else None
    with conn.cursor() as cur:
        cur.execute("SELECT effective_from, id FROM contracts_ruleset ORDER BY effective_from")
        rule_sets = list(cur.fetchall())
        suffixes = {}
        for table, columns in TABLES.items():
            extra, suffix = _fill_suffix(cur, table, columns)
            if extra:
                print(f"note: {table} has NOT NULL columns the generator does not know, filled neutrally: {extra}")
                TABLES[table] = [*columns, *extra]
            suffixes[table] = suffix
        if suffixes["contracts_registrationevent"] or suffixes["contracts_payment"] or suffixes["contracts_deduction"]:
            raise SystemExit("new NOT NULL columns on events/payments/deductions: update bench/stats/generate.py")
    setup = Setup(
        today=today,
        seed=seed,
        parties=pools,
        rule_sets=rule_sets,
        deals=deals,
        correction_kind=correction_kind,
        office_code=settings.CONTRACT_REGISTRATION_OFFICE_CODE,
        contract_suffix=suffixes["contracts_contract"],
        registration_suffix=suffixes["contracts_registration"],
    )
    conn.commit()

    load_started = time.perf_counter()
    counts = dict.fromkeys(TABLES, 0)
    with conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        # No per-row FK or history triggers during the load: every id the generator writes exists.
        cur.execute("SET session_replication_role = replica")
        cur.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
        dropped = {table: _secondary_indexes(cur, table) for table in TABLES}
        for indexes in dropped.values():
            for name, _definition in indexes:
                cur.execute(f'DROP INDEX "{name}"')
        tasks = [
            (k, start + 1, min(CHUNK_CONTRACTS, contracts - start))
            for k, start in enumerate(range(0, contracts, CHUNK_CONTRACTS))
        ]
        context = multiprocessing.get_context("fork")
        with (
            context.Pool(workers, initializer=_init_worker, initargs=(setup,)) as pool,
            progress(total=contracts, desc="contracts", unit="contract", unit_scale=True, smoothing=0.05) as bar,
        ):
            for data, chunk_counts, n in _bounded_imap(pool, contract_chunk, tasks, window=2 * workers):
                for table, columns in TABLES.items():
                    _copy(cur, table, columns, data[table])
                    counts[table] += chunk_counts[table]
                bar.update(n)
        for table in TABLES:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(max(id), 1)) FROM {table}"  # noqa: S608
            )
        cur.execute("SET session_replication_role = DEFAULT")
    conn.commit()
    stats["copy_seconds"] = round(time.perf_counter() - load_started, 1)
    stats["rows"] = counts

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
        for table in progress([*TABLES, "organizations_organization"], desc="vacuum analyze", unit="table"):
            cur.execute(f"VACUUM (ANALYZE) {table}")
        stats["vacuum_analyze_seconds"] = round(time.perf_counter() - vacuum_started, 1)
        if contracts <= FK_CHECK_UP_TO:
            violations = foreign_key_violations(cur)
            stats["foreign_keys_checked"] = len(violations)
            bad = {name: count for name, count in violations.items() if count}
            if bad:
                raise SystemExit(f"the generated rows break foreign keys: {bad}")
        stats["total_seconds"] = round(time.perf_counter() - started, 1)
        stats["contracts_per_second"] = round(contracts / (time.perf_counter() - started))
        stats["rows_per_second"] = round(sum(counts.values()) / (time.perf_counter() - started))
        meta = {
            "version": GENERATOR_VERSION,
            "contracts": contracts,
            "seed": seed,
            "today": today.isoformat(),
            "operator_id": operator_id,
            "correction_kind": correction_kind,
            "stats": stats,
        }
        cur.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value jsonb NOT NULL)")
        cur.execute(
            f"INSERT INTO {META_TABLE} VALUES ('generated', %s) "  # noqa: S608
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [json.dumps(meta)],
        )
    conn.autocommit = False
    return meta


def foreign_key_violations(cur: Any) -> dict[str, int]:
    """Rows of the loaded tables whose foreign key points nowhere (the load ran without FK triggers)."""
    cur.execute(
        """
        SELECT c.conname, c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
        ORDER BY 2, 1
        """,
        [list(TABLES)],
    )
    found = {}
    for name, table, column, target, target_column in cur.fetchall():
        cur.execute(
            f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {target} r WHERE r.{target_column} = t.{column})"
        )
        found[name] = cur.fetchone()[0]
    return found
