"""Three years of registered contracts for the demo market, so the statistics have a real shape.

Plain data with no ORM, like :mod:`apps.demo.market`: :func:`history_contracts` builds the records the
loader then makes through the services, back-dated (signing, application, decision and payments on their
own days). Deterministic: the same seed gives the same contracts with the same numbers
(``LZDEMO-LS-001`` …), so a second load recognises them; only their dates follow the day of loading.

The mix is what a city market sees: every contract type and subtype, the eleven technology fields,
sellers among the demo universities, institutes and enterprises, buyers in Liuzhou, elsewhere in Guangxi,
in other provinces, Hong Kong, ASEAN countries and further abroad (and a few technology imports), amounts
from tens of thousands to millions of yuan, more contracts each year, fewer around the Spring Festival
and more in December. Pairs a demo broker introduced never sign without that broker here, so the
history raises no broker-bypass alert.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date

from apps.demo.market import DemoContract, DemoDeduction, DemoParty

HISTORY_MONTHS = 36
_SEED = 17
# Contracts signed per month, oldest year first: the market grows year on year.
_PER_MONTH_BY_YEAR = (1, 2, 3)
# Month-of-year adjustments: the Spring Festival (February) is quiet, December closes the books.
_SEASON = {2: -1, 12: +2, 6: +1}

# (subtype, type, title suffix, IP types it may rest on)
_SUBTYPES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("commissioned_development", "development", "技术开发（委托）合同", ("invention_patent", "technical_secret")),
    ("cooperative_development", "development", "技术开发（合作）合同", ("invention_patent", "software_copyright")),
    ("patent_right_transfer", "transfer", "专利权转让合同", ("invention_patent", "utility_model_patent")),
    ("patent_application_right_transfer", "transfer", "专利申请权转让合同", ("invention_patent",)),
    ("technical_secret_transfer", "transfer", "技术秘密转让合同", ("technical_secret",)),
    ("software_copyright_transfer", "transfer", "软件著作权转让合同", ("software_copyright",)),
    ("ic_layout_transfer", "transfer", "集成电路布图设计转让合同", ("ic_layout",)),
    ("plant_variety_transfer", "transfer", "植物新品种权转让合同", ("plant_variety",)),
    ("other_transfer", "transfer", "技术转让合同", ("other",)),
    ("exclusive_patent_licence", "licence", "专利独占许可合同", ("invention_patent",)),
    ("sole_patent_licence", "licence", "专利排他许可合同", ("invention_patent", "utility_model_patent")),
    ("ordinary_patent_licence", "licence", "专利普通许可合同", ("utility_model_patent", "design_patent")),
    ("technical_secret_licence", "licence", "技术秘密许可合同", ("technical_secret",)),
    ("other_licence", "licence", "技术许可合同", ("other",)),
    ("feasibility_study", "consulting", "可行性论证咨询合同", ("none",)),
    ("technology_forecast", "consulting", "技术预测咨询合同", ("none",)),
    ("technology_evaluation", "consulting", "技术评价咨询合同", ("none",)),
    ("other_consulting", "consulting", "技术咨询合同", ("none",)),
    ("general_service", "service", "技术服务合同", ("none", "software_copyright")),
    ("training", "service", "技术培训合同", ("none",)),
    ("brokerage", "service", "技术中介服务合同", ("none",)),
)
# How often each type is signed: development and service lead, as in the national figures.
_TYPE_WEIGHTS = {"development": 30, "service": 24, "consulting": 14, "transfer": 18, "licence": 14}
# Yuan ranges (low, high) by type, drawn log-uniformly and rounded to the thousand.
_AMOUNTS = {
    "development": (300_000, 6_000_000),
    "transfer": (200_000, 5_000_000),
    "licence": (150_000, 3_000_000),
    "consulting": (50_000, 600_000),
    "service": (30_000, 1_500_000),
}

# (technology field code, seller key, subject): who sells what. Plant varieties come from the college's
# agriculture department, IC layouts from the university, brokerage from the broker agency.
_SUBJECTS: tuple[tuple[str, str, str], ...] = (
    ("01", "university", "车载以太网网关软件"),
    ("01", "university", "工业视觉缺陷识别算法"),
    ("01", "institute", "智能网联汽车V2X通信模块"),
    ("02", "institute", "无人机复合材料机翼成型工艺"),
    ("03", "machinery", "装载机液压系统节能控制"),
    ("03", "institute", "焊装机器人离线编程"),
    ("03", "university", "数控机床热误差补偿"),
    ("03", "auto_parts", "底盘冲焊件柔性夹具"),
    ("04", "university", "壮药提取物质量标准研究"),
    ("04", "institute", "医用钛合金骨钉表面处理"),
    ("05", "steel", "高强汽车板连续退火工艺"),
    ("05", "university", "铝合金压铸件真空热处理"),
    ("06", "institute", "动力电池梯次利用检测"),
    ("06", "university", "光储微电网协调控制"),
    ("07", "chemicals", "精细化工高盐废水蒸发结晶"),
    ("07", "institute", "钢渣微粉综合利用"),
    ("08", "institute", "工业射线无损检测辐射防护"),
    ("09", "college", "柳州螺蛳生态养殖水质调控"),
    ("09", "college", "柑橘黄龙病绿色防控"),
    ("09", "luosifen", "酸笋低盐发酵"),
    ("10", "university", "新能源城市客车底盘轻量化"),
    ("10", "institute", "轨道车辆转向架疲劳评估"),
    ("11", "institute", "老旧小区海绵化改造"),
    ("11", "university", "城市燃气管网泄漏监测"),
)
_SELLER_FOR_SUBTYPE = {"plant_variety_transfer": "college", "ic_layout_transfer": "university", "brokerage": "broker"}
_FIELD_FOR_SELLER_SUBTYPE = {"plant_variety_transfer": "09", "ic_layout_transfer": "01", "brokerage": "03"}
_SUBJECT_FOR_SUBTYPE = {
    "plant_variety_transfer": "“桂柳”系列甘蔗新品种",
    "ic_layout_transfer": "汽车电子电源管理芯片",
    "brokerage": "东盟市场工程机械技术对接",
}

# Buyers off the platform: (name, entity type code, region code, country code).
_OFF_PLATFORM: tuple[DemoParty, ...] = (
    DemoParty("南宁示例电子科技有限公司", "170", region_code="450100"),
    DemoParty("桂林示例光电有限公司", "150", region_code="450300"),
    DemoParty("梧州示例新材料股份有限公司", "160", region_code="450400"),
    DemoParty("北海示例海洋生物有限公司", "170", region_code="450500"),
    DemoParty("钦州示例石化装备有限公司", "110", region_code="450700"),
    DemoParty("玉林示例柴油机配件有限公司", "150", region_code="450900"),
    DemoParty("百色示例铝业有限公司", "110", region_code="451000"),
    DemoParty("河池示例农业发展有限公司", "170", region_code="451200"),
    DemoParty("鹿寨示例林产化工有限公司", "170", region_code="450223"),
    DemoParty("融安示例金桔合作社", "180", region_code="450224"),
    DemoParty("广东示例汽车电子有限公司", "150", region_code="440000"),
    DemoParty("湖南示例轨道装备有限公司", "160", region_code="430000"),
    DemoParty("云南示例生物制药有限公司", "150", region_code="530000"),
    DemoParty("上海示例智能装备有限公司", "300", region_code="310000"),
    DemoParty("香港示例科技投资有限公司", "200", region_code="810000"),
    DemoParty("越南示例摩托车制造公司 (Vietnam Demo Motor Co.)", "300", country_code="704"),
    DemoParty("泰国示例橡胶工业公司 (Thai Demo Rubber Industry Co.)", "300", country_code="764"),
    DemoParty("马来西亚示例棕榈油公司 (Malaysia Demo Palm Oil Bhd)", "300", country_code="458"),
    DemoParty("印尼示例镍业公司 (PT Demo Nickel Indonesia)", "300", country_code="360"),
    DemoParty("老挝示例农业公司 (Lao Demo Agriculture Co.)", "300", country_code="418"),
    DemoParty("柬埔寨示例工程公司 (Cambodia Demo Engineering Co.)", "300", country_code="116"),
    DemoParty("德国示例传动技术公司 (Demo Antriebstechnik GmbH)", "300", country_code="276"),
)
# Foreign sellers of technology imports, registered by the demo enterprise that buys.
_FOREIGN_SELLERS: tuple[DemoParty, ...] = (
    DemoParty("日本示例精密机械株式会社 (Demo Precision Machinery K.K.)", "300", country_code="392"),
    DemoParty("新加坡示例水务科技公司 (Demo Water Technologies Pte. Ltd.)", "300", country_code="702"),
)
_IMPORT_BUYERS = ("machinery", "chemicals", "steel")
_PLATFORM_BUYERS = ("auto_parts", "steel", "machinery", "chemicals", "luosifen")
_PROGRAMMES = ("none", "none", "none", "city_county", "provincial", "provincial", "ministry", "national")


def _months_back(today: date, back: int) -> tuple[int, int]:
    index = today.year * 12 + (today.month - 1) - back
    return index // 12, index % 12 + 1


def history_contracts(
    *, today: date, months: int = HISTORY_MONTHS, introduced: Iterable[frozenset[str]] = ()
) -> tuple[DemoContract, ...]:
    """The demo's past contracts, signed in the ``months`` months before this one (at most
    :data:`HISTORY_MONTHS`; fewer months give the newest part of the same history).

    ``introduced``: pairs of organisation keys a demo broker introduced; no contract here joins such a pair.
    """
    rng = random.Random(_SEED)  # noqa: S311 - demo data, not secrets
    pairs = set(introduced)
    by_type: dict[str, list[tuple[str, str, str, tuple[str, ...]]]] = {}
    for row in _SUBTYPES:
        by_type.setdefault(row[1], []).append(row)
    drawn = dict.fromkeys(by_type, 0)
    contracts: list[DemoContract] = []
    for back in range(HISTORY_MONTHS, 0, -1):
        year, month = _months_back(today, back)
        age_year = (HISTORY_MONTHS - back) // 12  # 0 for the oldest twelve months
        count = max(1, _PER_MONTH_BY_YEAR[age_year] + _SEASON.get(month, 0))
        for _ in range(count):
            index = len(contracts) + 1
            kind = rng.choices(list(_TYPE_WEIGHTS), weights=list(_TYPE_WEIGHTS.values()))[0]
            # Each type's subtypes in turn, so every one of them occurs.
            subtype, kind, suffix, ip_types = by_type[kind][drawn[kind] % len(by_type[kind])]
            drawn[kind] += 1
            if subtype in _SELLER_FOR_SUBTYPE:
                field, seller, subject = (
                    _FIELD_FOR_SELLER_SUBTYPE[subtype],
                    _SELLER_FOR_SUBTYPE[subtype],
                    _SUBJECT_FOR_SUBTYPE[subtype],
                )
            else:
                field, seller, subject = rng.choice(_SUBJECTS)
            buyer: str | DemoParty
            seller_party: str | DemoParty = seller
            roll = rng.random()
            if kind in ("transfer", "licence") and roll < 0.08:
                # A technology import: a foreign seller, a demo enterprise registers it.
                seller_party = rng.choice(_FOREIGN_SELLERS)
                buyer = rng.choice(_IMPORT_BUYERS)
            elif roll < 0.35:
                candidates = [b for b in _PLATFORM_BUYERS if b != seller and frozenset((b, seller)) not in pairs]
                buyer = rng.choice(candidates) if candidates else rng.choice(_OFF_PLATFORM)
            else:
                buyer = rng.choice(_OFF_PLATFORM)
            low, high = _AMOUNTS[kind]
            amount = round(low * (high / low) ** rng.random(), -3)
            deductions: tuple[DemoDeduction, ...] = ()
            if kind in ("development", "transfer") and rng.random() < 0.3:
                deductions = (
                    DemoDeduction(
                        "equipment", "试验样机及配套设备", f"{round(amount * rng.uniform(0.05, 0.2), -3):.2f}"
                    ),
                )
            signed_days_ago = (today - date(year, month, rng.randint(1, 28))).days
            contracts.append(
                DemoContract(
                    number=f"LZDEMO-LS-{index:03d}",
                    title=f"{subject}{suffix}",
                    type=kind,
                    subtype=subtype,
                    ip_type=rng.choice(ip_types),
                    technology_field_code=field,
                    signed_days_ago=signed_days_ago,
                    contract_amount=f"{amount:.2f}",
                    buyer=buyer,
                    seller=seller_party,
                    deductions=deductions,
                    programme_class=rng.choice(_PROGRAMMES),
                    valid_years=rng.choice((1, 2, 3)),
                    applied_after_days=rng.randint(2, 20),
                    decided_after_days=rng.randint(5, 28),
                )
            )
    # Drawn as the full history, then cut: a number always names the same contract.
    first_year, first_month = _months_back(today, min(months, HISTORY_MONTHS))
    first = (today - date(first_year, first_month, 1)).days if months > 0 else -1
    return tuple(contract for contract in contracts if contract.signed_days_ago <= first)
