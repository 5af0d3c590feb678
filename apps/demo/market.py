"""The demo market: brokers, introductions, deals, contracts and IP custody among the demo organisations.

Plain data with no ORM, like :mod:`apps.demo.data`; :mod:`apps.demo.market_loader` creates it through the
services. Dates are offsets from the day the demo is loaded (these signing dates spread over the last
eighteen months; :mod:`apps.demo.history` adds three years of registered contracts behind them, so the
statistics have a monthly trend and a year-on-year comparison); amounts are yuan as strings. Parties
off the platform are invented too (示例 in every name), in Nanning, Yulin, Guangdong, Vietnam and Thailand.

Which pairs a broker introduced matters: a contract between an introduced pair signed without that
broker raises a broker-bypass alert, so every contract of such a pair runs through a deal the broker
takes part in. The README's walk-through pair, the enterprise 示例汽配 (qin.haiyang) and the university
示例科大 (li.wenbo), is introduced by no broker: a newcomer's first contract between them raises no
alert (tests/demo/test_readme_walkthrough.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.demo.data import DEMO_MARK


@dataclass(frozen=True)
class DemoBroker:
    person: str  # local part of a DemoPerson's e-mail
    level: str  # an apps.brokers.models.BrokerLevel value
    certificate_number: str
    bio: str
    field_codes: tuple[str, ...]
    industry_codes: tuple[str, ...]
    region_codes: tuple[str, ...]


@dataclass(frozen=True)
class DemoIntroduction:
    key: str
    broker: str  # local part of the broker's e-mail
    party_a: str  # organisation keys
    party_b: str
    commission_rate: str
    commission_fixed: str = "0"
    commission_cap: str | None = None
    demand_title: str = ""  # a demo demand of one of the parties
    achievement_title: str = ""  # a demo achievement of one of the parties
    note: str = ""


@dataclass(frozen=True)
class DemoActivity:
    kind: str  # note, call or meeting
    text: str
    days_ago: int
    by: str  # local part of the author's e-mail


@dataclass(frozen=True)
class DemoDeal:
    title: str
    buyer: str
    seller: str
    opened_by: str  # local part of the e-mail of whoever opens it
    stage: str  # where the people take it: lead, contacted, negotiating, contract_drafted, or lost
    description: str = ""
    introduction: str = ""  # DemoIntroduction.key
    add_broker: str = ""  # a broker a party brings in (local part)
    demand_title: str = ""
    achievement_title: str = ""
    activities: tuple[DemoActivity, ...] = ()
    lost_reason: str = ""
    lost_note: str = ""


@dataclass(frozen=True)
class DemoParty:
    """A party off the platform: named, with its location and entity type."""

    name: str
    entity_type_code: str
    region_code: str = ""  # for a party in China
    country_code: str = ""  # ISO 3166-1 numeric, for a party abroad


@dataclass(frozen=True)
class DemoDeduction:
    kind: str  # an apps.contracts.catalogue.DeductionKind value
    description: str
    amount: str


@dataclass(frozen=True)
class DemoContract:
    """A signed contract. ``registration``: registered, applied (waiting), correction, refused or "" (none)."""

    number: str  # the parties' own contract number; also how a second run recognises it
    title: str
    type: str
    subtype: str
    ip_type: str
    technology_field_code: str
    signed_days_ago: int
    contract_amount: str
    buyer: str | DemoParty  # an organisation key, or a party off the platform
    seller: str | DemoParty
    deductions: tuple[DemoDeduction, ...] = ()
    programme_class: str = "none"
    valid_years: int = 2
    deal_title: str = ""  # the deal the contract closes (it then follows the contract)
    registration: str = "registered"
    decision_note: str = ""
    refusal_ground: str = ""
    change_to: tuple[str, str] | None = None  # (contract amount, technology amount) after a change
    terminate_to: tuple[str, str] | None = None  # amounts kept by a termination
    event_note: str = ""
    # The registration's days: applied so many days after signing, decided so many days after applying,
    # a later change or termination so many days after the decision (each no later than the day of loading).
    applied_after_days: int = 5
    decided_after_days: int = 15
    event_after_days: int = 60


@dataclass(frozen=True)
class DemoPatent:
    owner: str
    kind: str  # invention, utility_model or design
    title: str
    serial: int  # the serial part of the (fictional) application number
    ipc_main: str
    years_before_anniversary: int  # the filing anniversary ``anniversary_in_days`` from today, so many years on
    anniversary_in_days: int
    granted_after_days: int  # from filing
    keep_due_unpaid: bool = False  # the annuity that fell due most recently stays unpaid (grace period)


@dataclass(frozen=True)
class DemoCustody:
    owner: str
    custodian: str
    service_level: str
    fee: str
    patent_titles: tuple[str, ...]
    started_days_ago: int
    years: int
    reduction_applicants: int | None = None
    note: str = ""
    pay_first_due: tuple[str, ...] = field(default=())  # patents whose next annuity the agency pays today


@dataclass(frozen=True)
class DemoPledge:
    patent_title: str
    pledgee: str  # the key of the pledgee organisation
    secured_amount: str
    registered_days_ago: int
    term_years: int
    registration_number: str


OPERATOR_PERSON = "wei.lihua"
IP_AGENCY_PERSON = "long.feng"

# The admin of each organisation acts for it (records contracts, payments, IP assets).
ACTING_PERSON: dict[str, str] = {
    "auto_parts": "qin.haiyang",
    "steel": "liang.jianguo",
    "machinery": "huang.zhiqiang",
    "chemicals": "lan.yu",
    "luosifen": "liao.chunhua",
    "university": "li.wenbo",
    "college": "he.lei",
    "institute": "luo.ming",
    "broker": "zhang.yi",
    "ip_agency": "tang.xin",
    "bank": "wei.jun",
    "guarantor": "nong.hua",
    "investor": "ban.tao",
}

DEMO_BROKERS: tuple[DemoBroker, ...] = (
    DemoBroker(
        person="zhang.yi",
        level="senior",
        certificate_number="GXJJ-DEMO-2021-0008",
        bio=DEMO_MARK + "高级技术经理人，十年汽车零部件与装备制造技术转移经验，擅长高校成果对接企业需求、"
        "技术合同谈判与认定登记辅导。",
        field_codes=("03", "05", "10"),
        industry_codes=("automotive", "machinery", "intelligent-manufacturing", "luosifen"),
        region_codes=("450200", "450100"),
    ),
    DemoBroker(
        person="meng.fan",
        level="intermediate",
        certificate_number="GXJJ-DEMO-2023-0117",
        bio=DEMO_MARK + "中级技术经纪人，关注钢铁节能环保、新能源电池与面向东盟的技术输出。",
        field_codes=("06", "07"),
        industry_codes=("steel", "new-energy-vehicles", "energy-saving-environmental", "chemicals"),
        region_codes=("450000", "440000"),
    ),
)

DEMO_INTRODUCTIONS: tuple[DemoIntroduction, ...] = (
    DemoIntroduction(
        key="gear",
        broker="zhang.yi",
        party_a="auto_parts",
        party_b="institute",
        commission_rate="0.0300",
        commission_fixed="5000",
        commission_cap="80000",
        demand_title="变速箱齿轮渗碳淬火变形控制",
        note="在柳州汽配产业对接会上介绍双方，围绕齿轮热处理变形问题与工研院热处理中试线合作。",
    ),
    DemoIntroduction(
        key="denitration",
        broker="meng.fan",
        party_a="steel",
        party_b="institute",
        commission_rate="0.0250",
        commission_cap="150000",
        achievement_title="Low-temperature denitration catalyst for steel sintering flue gas",
        note="示例轧钢烧结机超低排放改造，推荐工研院低温脱硝催化剂。",
    ),
    DemoIntroduction(
        key="soup",
        broker="zhang.yi",
        party_a="luosifen",
        party_b="college",
        commission_rate="0.0500",
        commission_fixed="2000",
        achievement_title="螺蛳粉汤料低温杀菌与风味保持技术",
        note="螺蛳粉企业延长保质期需求与职院杀菌技术对接。",
    ),
    DemoIntroduction(
        key="loader",
        broker="meng.fan",
        party_a="machinery",
        party_b="university",
        commission_rate="0.0200",
        note="面向东盟市场的电动装载机电驱系统联合开发。",
    ),
)

INTRODUCTIONS_BY_KEY = {introduction.key: introduction for introduction in DEMO_INTRODUCTIONS}

DEMO_DEALS: tuple[DemoDeal, ...] = (
    DemoDeal(
        title="齿轮渗碳淬火变形控制技术开发",
        buyer="auto_parts",
        seller="institute",
        opened_by="zhang.yi",
        introduction="gear",
        stage="contract_drafted",
        description=DEMO_MARK + "示例汽配委托示例工研院开发齿轮渗碳淬火变形控制工艺，目标返修率降至1%以下。",
        activities=(
            DemoActivity("meeting", "双方在示例工研院热处理中试线现场交流，确定中试方案。", 75, "zhang.yi"),
            DemoActivity("call", "电话确认合同金额与付款节点。", 55, "qin.haiyang"),
            DemoActivity("note", "合同文本已由双方法务审核。", 45, "luo.ming"),
        ),
    ),
    DemoDeal(
        title="发动机缸体视觉检测系统独占许可",
        buyer="auto_parts",
        seller="university",
        opened_by="qin.haiyang",
        add_broker="zhang.yi",
        achievement_title="汽车发动机缸体表面缺陷机器视觉检测系统",
        stage="contract_drafted",
        description=DEMO_MARK + "缸体表面缺陷视觉检测系统在示例汽配三条产线上的独占许可。",
        activities=(
            DemoActivity("meeting", "产线试运行评审：检出率达到99.5%。", 30, "lu.jing"),
            DemoActivity("note", "许可范围限定为柳州地区，期限五年。", 12, "zhang.yi"),
        ),
    ),
    DemoDeal(
        title="烧结烟气低温脱硝催化剂中试",
        buyer="steel",
        seller="institute",
        opened_by="meng.fan",
        introduction="denitration",
        stage="negotiating",
        description=DEMO_MARK + "在示例轧钢2号烧结机上开展低温脱硝催化剂中试，再议许可。",
        activities=(
            DemoActivity("call", "介绍工研院催化剂的中试数据。", 20, "meng.fan"),
            DemoActivity("meeting", "示例轧钢环保部与工研院讨论中试场地与费用分担。", 9, "mo.xiaofeng"),
        ),
    ),
    DemoDeal(
        title="螺蛳粉汤料低温杀菌技术转让",
        buyer="luosifen",
        seller="college",
        opened_by="zhang.yi",
        introduction="soup",
        stage="contacted",
        description=DEMO_MARK + "示例螺蛳粉拟受让汤料低温杀菌技术，保质期目标180天。",
        activities=(DemoActivity("note", "已将技术简介发给示例螺蛳粉质量部。", 3, "zhang.yi"),),
    ),
    DemoDeal(
        title="电动装载机电驱系统联合开发",
        buyer="machinery",
        seller="university",
        opened_by="meng.fan",
        introduction="loader",
        stage="lead",
        description=DEMO_MARK + "面向东盟市场的5吨级电动装载机电驱系统联合开发，初步接洽。",
    ),
    DemoDeal(
        title="化工中间体连续流工艺开发",
        buyer="chemicals",
        seller="institute",
        opened_by="lan.yu",
        stage="lost",
        description=DEMO_MARK + "示例化工寻求硝化反应连续流工艺。",
        activities=(
            DemoActivity("meeting", "工研院报价420万元，示例化工预算200万元。", 50, "lan.yu"),
            DemoActivity("call", "价格差距较大，双方同意暂停。", 35, "luo.ming"),
        ),
        lost_reason="price",
        lost_note="报价超出预算一倍，示例化工转向自主研发。",
    ),
)

NANNING_PHARMA = DemoParty(name="南宁示例制药有限公司", entity_type_code="150", region_code="450100")
YULIN_ENGINES = DemoParty(name="玉林示例动力机械有限公司", entity_type_code="160", region_code="450900")
GUANGDONG_BODY = DemoParty(name="广东示例车身部件有限公司", entity_type_code="150", region_code="440000")
VIETNAM_BUS = DemoParty(
    name="越南示例电动客车股份公司 (Vietnam Demo E-Bus JSC)", entity_type_code="300", country_code="704"
)
THAI_FERMENT = DemoParty(
    name="泰国示例发酵科技有限公司 (Thai Demo Fermentation Technology Co., Ltd.)",
    entity_type_code="300",
    country_code="764",
)

DEMO_CONTRACTS: tuple[DemoContract, ...] = (
    DemoContract(
        number="LZDEMO-JSKF-001",
        title="酸笋发酵优良菌种选育技术开发合同",
        type="development",
        subtype="commissioned_development",
        ip_type="technical_secret",
        technology_field_code="09",
        signed_days_ago=540,
        contract_amount="380000.00",
        buyer="luosifen",
        seller="university",
        programme_class="city_county",
    ),
    DemoContract(
        number="LZDEMO-JSZX-002",
        title="精细化工废水资源化技术预测咨询合同",
        type="consulting",
        subtype="technology_forecast",
        ip_type="none",
        technology_field_code="07",
        signed_days_ago=505,
        contract_amount="150000.00",
        buyer="chemicals",
        seller="university",
    ),
    DemoContract(
        number="LZDEMO-JSZR-003",
        title="1500MPa级热成形钢板冲压工艺专利权转让合同",
        type="transfer",
        subtype="patent_right_transfer",
        ip_type="invention_patent",
        technology_field_code="05",
        signed_days_ago=470,
        contract_amount="1200000.00",
        buyer=GUANGDONG_BODY,
        seller="university",
        programme_class="provincial",
        change_to=("1350000.00", "1350000.00"),
        event_note="补充协议：增加一项从属专利，转让费增至135万元。",
    ),
    DemoContract(
        number="LZDEMO-JSZX-004",
        title="国六柴油机后处理系统技术评价咨询合同",
        type="consulting",
        subtype="technology_evaluation",
        ip_type="none",
        technology_field_code="10",
        signed_days_ago=440,
        contract_amount="220000.00",
        buyer=YULIN_ENGINES,
        seller="institute",
    ),
    DemoContract(
        number="LZDEMO-JSFW-005",
        title="挖掘机电控系统维修技能培训合同",
        type="service",
        subtype="training",
        ip_type="none",
        technology_field_code="03",
        signed_days_ago=395,
        contract_amount="96000.00",
        buyer="machinery",
        seller="college",
    ),
    DemoContract(
        number="LZDEMO-JSKF-006",
        title="电动装载机电池热管理系统合作开发合同",
        type="development",
        subtype="cooperative_development",
        ip_type="invention_patent",
        technology_field_code="06",
        signed_days_ago=365,
        contract_amount="2600000.00",
        buyer="machinery",
        seller="institute",
        programme_class="provincial",
        deductions=(
            DemoDeduction("equipment", "电池包温控试验台一套", "380000.00"),
            DemoDeduction("parts", "液冷板与传感器样件", "120000.00"),
        ),
        change_to=("2800000.00", "2300000.00"),
        event_note="变更：增加东盟高温工况验证，合同金额增至280万元。",
    ),
    DemoContract(
        number="LZDEMO-JSXK-007",
        title="磷酸铁锂电池包热失控预警算法普通许可合同（越南）",
        type="licence",
        subtype="ordinary_patent_licence",
        ip_type="invention_patent",
        technology_field_code="06",
        signed_days_ago=330,
        contract_amount="680000.00",
        buyer=VIETNAM_BUS,
        seller="institute",
    ),
    DemoContract(
        number="LZDEMO-JSFW-008",
        title="工程机械海外市场技术中介服务合同",
        type="service",
        subtype="brokerage",
        ip_type="none",
        technology_field_code="03",
        signed_days_ago=290,
        contract_amount="60000.00",
        buyer="machinery",
        seller="broker",
    ),
    DemoContract(
        number="LZDEMO-JSZX-009",
        title="螺蛳粉产业园废水资源化可行性研究合同",
        type="consulting",
        subtype="feasibility_study",
        ip_type="none",
        technology_field_code="07",
        signed_days_ago=250,
        contract_amount="180000.00",
        buyer="luosifen",
        seller="institute",
    ),
    DemoContract(
        number="LZDEMO-JSXK-010",
        title="酸笋发酵剂技术秘密许可合同（技术引进）",
        type="licence",
        subtype="technical_secret_licence",
        ip_type="technical_secret",
        technology_field_code="09",
        signed_days_ago=200,
        contract_amount="450000.00",
        buyer="luosifen",
        seller=THAI_FERMENT,
        deductions=(DemoDeduction("raw_materials", "首批发酵剂菌粉", "50000.00"),),
    ),
    DemoContract(
        number="LZDEMO-JSXK-011",
        title="装载机快换装置专利普通许可合同",
        type="licence",
        subtype="ordinary_patent_licence",
        ip_type="utility_model_patent",
        technology_field_code="03",
        signed_days_ago=160,
        contract_amount="300000.00",
        buyer=YULIN_ENGINES,
        seller="machinery",
        registration="refused",
        refusal_ground="price_unclear",
        decision_note="许可费按“销售情况另行商定”，价款不明确。",
    ),
    DemoContract(
        number="LZDEMO-JSZR-012",
        title="硝化反应连续流工艺技术秘密转让合同",
        type="transfer",
        subtype="technical_secret_transfer",
        ip_type="technical_secret",
        technology_field_code="07",
        signed_days_ago=120,
        contract_amount="900000.00",
        buyer=NANNING_PHARMA,
        seller="chemicals",
        deductions=(DemoDeduction("instruments", "在线红外分析仪", "90000.00"),),
        registration="correction",
        decision_note="请补充技术秘密的范围说明，并核对乙方公章与名称是否一致。",
    ),
    DemoContract(
        number="LZDEMO-JSFW-013",
        title="热轧带钢表面缺陷检测技术服务合同",
        type="service",
        subtype="general_service",
        ip_type="software_copyright",
        technology_field_code="01",
        signed_days_ago=90,
        contract_amount="400000.00",
        buyer="steel",
        seller="university",
        terminate_to=("240000.00", "240000.00"),
        event_note="产线改造提前，双方协议解除，已履行部分按24万元结算。",
    ),
    DemoContract(
        number="LZDEMO-JSFW-014",
        title="底盘零部件台架疲劳试验技术服务合同",
        type="service",
        subtype="general_service",
        ip_type="none",
        technology_field_code="03",
        signed_days_ago=60,
        contract_amount="260000.00",
        buyer="auto_parts",
        seller="university",
    ),
    DemoContract(
        number="LZDEMO-JSKF-015",
        title="变速箱齿轮渗碳淬火变形控制技术开发合同",
        type="development",
        subtype="commissioned_development",
        ip_type="invention_patent",
        technology_field_code="03",
        signed_days_ago=40,
        contract_amount="860000.00",
        buyer="auto_parts",
        seller="institute",
        programme_class="city_county",
        deductions=(DemoDeduction("equipment", "齿轮淬火压床专用工装", "120000.00"),),
        deal_title="齿轮渗碳淬火变形控制技术开发",
    ),
    DemoContract(
        number="LZDEMO-JSXK-016",
        title="发动机缸体表面缺陷视觉检测系统独占许可合同",
        type="licence",
        subtype="exclusive_patent_licence",
        ip_type="invention_patent",
        technology_field_code="03",
        signed_days_ago=8,
        contract_amount="1200000.00",
        buyer="auto_parts",
        seller="university",
        deductions=(DemoDeduction("equipment", "工业相机与光源", "160000.00"),),
        deal_title="发动机缸体视觉检测系统独占许可",
        registration="applied",
    ),
)

# Serials of the fictional application numbers start at 9,000,000: far above what CNIPA had issued in the
# filing years used here, so no real application has these numbers.
DEMO_PATENTS: tuple[DemoPatent, ...] = (
    DemoPatent(
        owner="machinery",
        kind="invention",
        title="一种电动装载机能量回收控制方法",
        serial=9_000_101,
        ipc_main="E02F 9/22",
        years_before_anniversary=6,
        anniversary_in_days=45,
        granted_after_days=820,
    ),
    DemoPatent(
        owner="machinery",
        kind="utility_model",
        title="一种装载机属具快换装置",
        serial=9_000_102,
        ipc_main="E02F 3/36",
        years_before_anniversary=3,
        anniversary_in_days=20,
        granted_after_days=240,
    ),
    DemoPatent(
        owner="machinery",
        kind="invention",
        title="一种挖掘机远程故障诊断系统",
        serial=9_000_103,
        ipc_main="G05B 23/02",
        years_before_anniversary=5,
        anniversary_in_days=-60,
        granted_after_days=700,
        keep_due_unpaid=True,
    ),
    DemoPatent(
        owner="university",
        kind="invention",
        title="一种基于深度学习的缸体表面缺陷检测方法",
        serial=9_000_104,
        ipc_main="G01N 21/88",
        years_before_anniversary=4,
        anniversary_in_days=100,
        granted_after_days=650,
    ),
    DemoPatent(
        owner="university",
        kind="invention",
        title="一种汽车轻量化铝合金副车架低压铸造方法",
        serial=9_000_105,
        ipc_main="B22D 18/04",
        years_before_anniversary=7,
        anniversary_in_days=150,
        granted_after_days=900,
    ),
)

DEMO_CUSTODIES: tuple[DemoCustody, ...] = (
    DemoCustody(
        owner="machinery",
        custodian="ip_agency",
        service_level="pay_annuities",
        fee="6000.00",
        patent_titles=("一种电动装载机能量回收控制方法", "一种装载机属具快换装置", "一种挖掘机远程故障诊断系统"),
        started_days_ago=30,
        years=3,
        note="示例工程机械核心专利托管：年费代缴、法律状态监控。",
        pay_first_due=("一种电动装载机能量回收控制方法",),
    ),
    DemoCustody(
        owner="university",
        custodian="ip_agency",
        service_level="remind_only",
        fee="0.00",
        patent_titles=("一种基于深度学习的缸体表面缺陷检测方法", "一种汽车轻量化铝合金副车架低压铸造方法"),
        started_days_ago=120,
        years=2,
        reduction_applicants=1,
        note="示例科大转化专利托管：年费提醒，费减85%。",
    ),
)

DEMO_PLEDGES: tuple[DemoPledge, ...] = (
    DemoPledge(
        patent_title="一种汽车轻量化铝合金副车架低压铸造方法",
        pledgee="bank",
        secured_amount="3000000.00",
        registered_days_ago=75,
        term_years=2,
        registration_number="Y2026DEMO450200001",
    ),
)
