"""Demo listings: achievements of the demo universities and institute, demands of the demo enterprises.

Plain data, like :mod:`apps.demo.data`; every text starts with 【演示数据】 so nobody mistakes it for a real
offer. Amounts in yuan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.demo.data import DEMO_MARK


@dataclass(frozen=True)
class DemoAchievement:
    owner_key: str
    title: str
    summary: str
    technology_field: str
    industries: tuple[str, ...]
    keywords: tuple[str, ...]
    trl: int
    cooperation_modes: tuple[str, ...]
    price_type: str = "negotiable"
    price_min: str | None = None
    price_max: str | None = None
    language: str = "zh"
    translated_title: str = ""
    confidential_detail: str = ""


@dataclass(frozen=True)
class DemoDemand:
    owner_key: str
    title: str
    description: str
    technology_field: str
    industry: str
    cooperation_modes: tuple[str, ...]
    budget_min: str | None
    budget_max: str | None
    days_to_deadline: int
    keywords: tuple[str, ...] = field(default=())
    wanted_stage: str = ""
    confidential_detail: str = ""


DEMO_ACHIEVEMENTS: tuple[DemoAchievement, ...] = (
    DemoAchievement(
        owner_key="university",
        title="汽车发动机缸体表面缺陷机器视觉检测系统",
        summary=f"{DEMO_MARK}基于深度学习的缸体、缸盖表面气孔、砂眼与划伤在线检测，检出率99.5%，节拍3秒/件，"
        "已在示例零部件企业产线完成中试验证。",
        technology_field="03",
        industries=("automotive", "machinery"),
        keywords=("机器视觉", "缺陷检测", "深度学习"),
        trl=7,
        cooperation_modes=("licence", "cooperative"),
        price_type="range",
        price_min="800000",
        price_max="1500000",
        translated_title="Machine-vision inspection of engine block surface defects",
        confidential_detail="网络结构、训练数据集构成与产线标定方法。",
    ),
    DemoAchievement(
        owner_key="university",
        title="高强度汽车用钢热冲压成形工艺",
        summary=f"{DEMO_MARK}1500MPa级热成形钢板的加热、冲压与淬火一体化工艺，减重15%，适用于车身结构件。",
        technology_field="05",
        industries=("steel", "automotive"),
        keywords=("热成形", "高强钢", "轻量化"),
        trl=6,
        cooperation_modes=("transfer", "licence"),
        price_type="fixed",
        price_min="1200000",
        price_max="1200000",
    ),
    DemoAchievement(
        owner_key="institute",
        title="磷酸铁锂电池包热失控预警算法",
        summary=f"{DEMO_MARK}融合电压、温度与气体信号的热失控早期预警，提前8分钟报警，误报率低于0.1%。",
        technology_field="06",
        industries=("new-energy-vehicles",),
        keywords=("电池安全", "热失控", "BMS"),
        trl=5,
        cooperation_modes=("licence", "equity"),
    ),
    DemoAchievement(
        owner_key="college",
        title="螺蛳粉汤料低温杀菌与风味保持技术",
        summary=f"{DEMO_MARK}超高压协同低温杀菌，保质期延长至180天，风味物质保留率90%以上。",
        technology_field="09",
        industries=("luosifen",),
        keywords=("食品加工", "杀菌", "螺蛳粉"),
        trl=8,
        cooperation_modes=("transfer", "self_implementation"),
        price_type="range",
        price_min="300000",
        price_max="600000",
    ),
    DemoAchievement(
        owner_key="institute",
        title="Low-temperature denitration catalyst for steel sintering flue gas",
        summary=f"{DEMO_MARK}A vanadium-free catalyst that removes over 90% of NOx at 180–220 °C, cutting reheating "
        "energy for sintering machines.",
        technology_field="07",
        industries=("steel", "chemicals"),
        keywords=("denitration", "catalyst", "flue gas"),
        trl=6,
        cooperation_modes=("cooperative", "licence"),
        language="en",
        translated_title="钢铁烧结烟气低温脱硝催化剂",
    ),
)

DEMO_DEMANDS: tuple[DemoDemand, ...] = (
    DemoDemand(
        owner_key="auto_parts",
        title="变速箱齿轮渗碳淬火变形控制",
        description=f"{DEMO_MARK}齿轮渗碳淬火后齿向变形超差，返修率6%，寻求工艺优化或装备改造方案，年产30万件。",
        technology_field="03",
        industry="automotive",
        cooperation_modes=("cooperative", "transfer"),
        budget_min="500000",
        budget_max="1000000",
        days_to_deadline=120,
        keywords=("热处理", "齿轮", "变形控制"),
        wanted_stage="pilot",
        confidential_detail="现有渗碳温度920℃，淬火油型号与冷却曲线见附件。",
    ),
    DemoDemand(
        owner_key="steel",
        title="烧结烟气超低排放脱硝技术",
        description=f"{DEMO_MARK}烧结机烟气温度约200℃，需在不大幅升温的前提下实现氮氧化物超低排放。",
        technology_field="07",
        industry="steel",
        cooperation_modes=("cooperative", "licence"),
        budget_min="2000000",
        budget_max="5000000",
        days_to_deadline=180,
        keywords=("脱硝", "超低排放"),
        wanted_stage="pilot",
    ),
    DemoDemand(
        owner_key="battery",
        title="动力电池包热失控早期预警",
        description=f"{DEMO_MARK}为储能与商用车电池包引入热失控早期预警，要求提前5分钟以上报警。",
        technology_field="06",
        industry="new-energy-vehicles",
        cooperation_modes=("licence", "cooperative"),
        budget_min="300000",
        budget_max="800000",
        days_to_deadline=90,
        keywords=("电池安全", "预警"),
    ),
    DemoDemand(
        owner_key="luosifen",
        title="螺蛳粉酸笋风味标准化生产",
        description=f"{DEMO_MARK}酸笋发酵批次间风味差异大，寻求发酵菌种与过程控制方案。",
        technology_field="09",
        industry="luosifen",
        cooperation_modes=("transfer", "cooperative"),
        budget_min=None,
        budget_max="400000",
        days_to_deadline=60,
    ),
)
