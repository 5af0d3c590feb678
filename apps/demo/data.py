"""The demo data set: fictional Liuzhou organisations and the people who use them.

Plain data with no ORM, so the launcher can read it before Django is set up. Every organisation
is invented: the names carry 示例 ("example"), descriptions start with 【演示数据】, and every
unified social credit code has ``DEM0`` where a real organisation code would be, so no real
company's code is used. The check character is computed, so the codes pass validation.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.core.validators import credit_code_check_character

DEMO_EMAIL_DOMAIN = "demo.liuzhou.example"
DEMO_MARK = "【演示数据】"

# Registration authority and category, the first two characters of a credit code:
# 91 = registered by market regulation, enterprise; 12 = registered by the establishment office,
# public institution (universities, institutes, the operator).
ENTERPRISE_AUTHORITY = "91"
PUBLIC_INSTITUTION_AUTHORITY = "12"


def demo_credit_code(*, authority: str, region_code: str, serial: int) -> str:
    """A valid but fictional unified social credit code: authority + region + ``DEM0`` + serial + check."""
    body = f"{authority}{region_code}DEM0{serial:05d}"
    return body + credit_code_check_character(body)


@dataclass(frozen=True)
class DemoOrganization:
    key: str
    type: str  # an apps.organizations.models.OrganizationType value
    name: str
    short_name: str
    name_en: str
    region_code: str
    entity_type_code: str
    authority: str
    serial: int
    address: str
    description: str
    verified: bool = True

    @property
    def credit_code(self) -> str:
        return demo_credit_code(authority=self.authority, region_code=self.region_code, serial=self.serial)


@dataclass(frozen=True)
class DemoPerson:
    local_part: str
    name: str
    organization_key: str
    role: str  # an apps.organizations.models.MembershipRole value
    note: str = ""
    is_superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.local_part}@{DEMO_EMAIL_DOMAIN}"


OPERATOR_KEY = "operator"

DEMO_ORGANIZATIONS: tuple[DemoOrganization, ...] = (
    DemoOrganization(
        key=OPERATOR_KEY,
        type="market_operator",
        name="柳州市科技大市场运营中心",
        short_name="科技大市场",
        name_en="Liuzhou Technology Market Operation Centre (demo)",
        region_code="450202",  # 城中区
        entity_type_code="024",
        authority=PUBLIC_INSTITUTION_AUTHORITY,
        serial=1,
        address="柳州市城中区示例路1号（演示地址）",
        description=DEMO_MARK + "科技大市场运营方：审核机构与成果、登记技术合同、发布交易统计。",
    ),
    DemoOrganization(
        key="auto_parts",
        type="enterprise",
        name="柳州示例汽车零部件有限公司",
        short_name="示例汽配",
        name_en="Liuzhou Demo Auto Parts Co., Ltd.",
        region_code="450203",  # 鱼峰区
        entity_type_code="150",
        authority=ENTERPRISE_AUTHORITY,
        serial=2,
        address="柳州市鱼峰区示例汽配园8号（演示地址）",
        description=DEMO_MARK + "为整车厂配套底盘件和车身冲焊件，寻求轻量化材料与在线视觉检测技术。",
    ),
    DemoOrganization(
        key="steel",
        type="enterprise",
        name="柳州示例轧钢有限责任公司",
        short_name="示例轧钢",
        name_en="Liuzhou Demo Steel Rolling Co., Ltd.",
        region_code="450205",  # 柳北区
        entity_type_code="110",
        authority=ENTERPRISE_AUTHORITY,
        serial=3,
        address="柳州市柳北区示例钢城路18号（演示地址）",
        description=DEMO_MARK + "热轧、冷轧板带生产，关注轧制节能降耗、钢渣综合利用和超低排放改造。",
    ),
    DemoOrganization(
        key="machinery",
        type="enterprise",
        name="柳州示例工程机械股份有限公司",
        short_name="示例工程机械",
        name_en="Liuzhou Demo Construction Machinery Co., Ltd.",
        region_code="450204",  # 柳南区
        entity_type_code="160",
        authority=ENTERPRISE_AUTHORITY,
        serial=4,
        address="柳州市柳南区示例机械大道6号（演示地址）",
        description=DEMO_MARK + "装载机、挖掘机整机制造，推进电动化、远程运维和面向东盟市场的出口机型。",
    ),
    DemoOrganization(
        key="chemicals",
        type="enterprise",
        name="柳州示例精细化工有限公司",
        short_name="示例化工",
        name_en="Liuzhou Demo Fine Chemicals Co., Ltd.",
        region_code="450205",  # 柳北区
        entity_type_code="150",
        authority=ENTERPRISE_AUTHORITY,
        serial=5,
        address="柳州市柳北区示例化工园3号（演示地址）",
        description=DEMO_MARK + "精细化工中间体生产，寻求连续流工艺和废水资源化处理技术。",
    ),
    DemoOrganization(
        key="luosifen",
        type="enterprise",
        name="柳州示例螺蛳粉食品有限公司",
        short_name="示例螺蛳粉",
        name_en="Liuzhou Demo Luosifen Foods Co., Ltd.",
        region_code="450206",  # 柳江区
        entity_type_code="170",
        authority=ENTERPRISE_AUTHORITY,
        serial=6,
        address="柳州市柳江区示例螺蛳粉产业园12号（演示地址）",
        description=DEMO_MARK + "袋装螺蛳粉生产，关注酸笋发酵标准化、保质期延长和自动化包装线。",
    ),
    DemoOrganization(
        key="battery",
        type="enterprise",
        name="柳州示例新能源电池科技有限公司",
        short_name="示例电池",
        name_en="Liuzhou Demo New Energy Battery Technology Co., Ltd.",
        region_code="450203",  # 鱼峰区
        entity_type_code="170",
        authority=ENTERPRISE_AUTHORITY,
        serial=7,
        address="柳州市鱼峰区示例新能源产业园5号（演示地址）",
        description=DEMO_MARK + "新能源汽车动力电池包与电池管理系统，新近注册，等待运营方审核。",
        verified=False,
    ),
    DemoOrganization(
        key="university",
        type="university",
        name="广西示例科技大学",
        short_name="示例科大",
        name_en="Guangxi Demo University of Science and Technology",
        region_code="450203",  # 鱼峰区
        entity_type_code="022",
        authority=PUBLIC_INSTITUTION_AUTHORITY,
        serial=8,
        address="柳州市鱼峰区示例大学路2号（演示地址）",
        description=DEMO_MARK + "虚构的理工科大学，机械、车辆、材料与食品学科见长。",
    ),
    DemoOrganization(
        key="college",
        type="university",
        name="柳州示例职业技术学院",
        short_name="示例职院",
        name_en="Liuzhou Demo Vocational and Technical College",
        region_code="450205",  # 柳北区
        entity_type_code="022",
        authority=PUBLIC_INSTITUTION_AUTHORITY,
        serial=9,
        address="柳州市柳北区示例学院路9号（演示地址）",
        description=DEMO_MARK + "虚构的职业技术学院，面向汽车维修、智能制造和食品加工培养技术技能人才。",
    ),
    DemoOrganization(
        key="institute",
        type="research_institute",
        name="柳州示例工业技术研究院",
        short_name="示例工研院",
        name_en="Liuzhou Demo Institute of Industrial Technology",
        region_code="450202",  # 城中区
        entity_type_code="021",
        authority=PUBLIC_INSTITUTION_AUTHORITY,
        serial=10,
        address="柳州市城中区示例科技路10号（演示地址）",
        description=DEMO_MARK + "面向汽车、钢铁、机械产业的中试与检测平台。",
    ),
    DemoOrganization(
        key="broker",
        type="broker_agency",
        name="柳州示例技术转移服务有限公司",
        short_name="示例技术转移",
        name_en="Liuzhou Demo Technology Transfer Services Co., Ltd.",
        region_code="450202",  # 城中区
        entity_type_code="150",
        authority=ENTERPRISE_AUTHORITY,
        serial=11,
        address="柳州市城中区示例路1号3楼（演示地址）",
        description=DEMO_MARK + "技术转移服务机构：技术经纪、成果评价、合同登记辅导。",
    ),
    DemoOrganization(
        key="ip_agency",
        type="ip_agency",
        name="柳州示例知识产权代理事务所",
        short_name="示例知产",
        name_en="Liuzhou Demo IP Agency",
        region_code="450202",  # 城中区
        entity_type_code="170",
        authority=ENTERPRISE_AUTHORITY,
        serial=12,
        address="柳州市城中区示例路20号（演示地址）",
        description=DEMO_MARK + "知识产权代理与托管：专利申请、年费管理、质押登记辅助。",
    ),
    # The pledgee of the demo IP pledges (质权人). Its type becomes "bank" once that organisation type exists.
    DemoOrganization(
        key="pledge_bank",
        type="enterprise",
        name="柳州示例银行股份有限公司",
        short_name="示例银行",
        name_en="Liuzhou Demo Bank Co., Ltd.",
        region_code="450202",  # 城中区
        entity_type_code="160",
        authority=ENTERPRISE_AUTHORITY,
        serial=20,
        address="柳州市城中区示例金融街9号（演示地址）",
        description=DEMO_MARK + "知识产权质押融资：专利质押贷款、科创贷。",
    ),
)

ADMIN = "admin"
MEMBER = "member"

# The superuser comes first: the admin site is the operator's, so it is an operator member.
DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson(
        "admin", "平台管理员", OPERATOR_KEY, MEMBER, note="Django superuser for the admin site", is_superuser=True
    ),
    DemoPerson("wei.lihua", "韦丽华", OPERATOR_KEY, ADMIN),
    DemoPerson("tan.xinyu", "覃欣雨", "pledge_bank", ADMIN, note="IP pledge loan officer"),
    DemoPerson("qin.haiyang", "覃海洋", "auto_parts", ADMIN),
    DemoPerson("lu.jing", "陆静", "auto_parts", MEMBER, note="R&D engineer"),
    DemoPerson("liang.jianguo", "梁建国", "steel", ADMIN),
    DemoPerson("mo.xiaofeng", "莫晓峰", "steel", MEMBER, note="process engineer"),
    DemoPerson("huang.zhiqiang", "黄志强", "machinery", ADMIN),
    DemoPerson("tan.mei", "谭梅", "machinery", MEMBER, note="IP manager"),
    DemoPerson("lan.yu", "蓝宇", "chemicals", ADMIN),
    DemoPerson("liao.chunhua", "廖春华", "luosifen", ADMIN),
    DemoPerson("wu.xiaoling", "吴晓玲", "luosifen", MEMBER, note="quality manager"),
    DemoPerson("zhou.kai", "周凯", "battery", ADMIN, note="organisation pending verification"),
    DemoPerson("li.wenbo", "李文博", "university", ADMIN, note="technology transfer office"),
    DemoPerson("chen.yuqing", "陈雨晴", "university", MEMBER, note="researcher"),
    DemoPerson("he.lei", "何磊", "college", ADMIN),
    DemoPerson("pan.li", "潘丽", "college", MEMBER, note="teacher"),
    DemoPerson("luo.ming", "罗明", "institute", ADMIN),
    DemoPerson("xie.na", "谢娜", "institute", MEMBER, note="researcher"),
    DemoPerson("zhang.yi", "张怡", "broker", ADMIN),
    DemoPerson("meng.fan", "蒙帆", "broker", MEMBER, note="technology broker"),
    DemoPerson("tang.xin", "唐欣", "ip_agency", ADMIN),
    DemoPerson("long.feng", "龙锋", "ip_agency", MEMBER, note="patent attorney"),
)

ORGANIZATIONS_BY_KEY = {org.key: org for org in DEMO_ORGANIZATIONS}
