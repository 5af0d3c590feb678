"""Small judged sets for the engine's tests, in the evaluation JSON Lines format (shared/data/README.md).

Written by hand from general technical knowledge, not from the glossary file: each demand describes
the problem in other words than its achievement (another language, or Chinese synonyms), and
distractors share generic words with the demands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# (achievement in English, demand in Chinese): the same subject in two languages.
CROSS_LINGUAL: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {
            "title": "Battery management system for lithium-ion battery packs",
            "summary": "State of charge estimation and thermal management for electric vehicle traction batteries.",
        },
        {"title": "电动汽车动力电池管理", "description": "需要锂离子电池组的荷电状态估计和热管理技术"},
    ),
    (
        {
            "title": "Machine vision inspection of weld seams",
            "summary": "A camera and deep learning detect defects in welds on the production line.",
        },
        {"title": "焊缝缺陷检测", "description": "希望用机器视觉和深度学习在生产线上自动检测焊缝缺陷"},
    ),
    (
        {
            "title": "Desulfurization of flue gas from steel sintering",
            "summary": "Low cost removal of sulfur dioxide from sintering flue gas in iron and steel plants.",
        },
        {"title": "钢铁烧结烟气脱硫", "description": "钢厂烧结烟气中二氧化硫的低成本脱除"},
    ),
    (
        {
            "title": "Fresh-keeping of citrus fruit in cold chain logistics",
            "summary": "Cold storage and coating extend the shelf life of oranges.",
        },
        {"title": "柑橘保鲜", "description": "冷链物流中柑橘的保鲜，延长货架期"},
    ),
    (
        {
            "title": "Lightweight vehicle body of aluminum alloy",
            "summary": "An aluminium alloy body in white reduces vehicle weight and improves crash safety.",
        },
        {"title": "汽车车身轻量化", "description": "采用铝合金车身实现汽车轻量化并提高碰撞安全"},
    ),
    (
        {
            "title": "Fault diagnosis of rolling bearings by vibration analysis",
            "summary": "Vibration signals and a convolutional neural network identify bearing faults in gearboxes.",
        },
        {"title": "轴承故障诊断", "description": "通过振动信号分析识别齿轮箱中滚动轴承的故障"},
    ),
    (
        {
            "title": "Anaerobic digestion of livestock manure for biogas",
            "summary": "Pig manure is treated by anaerobic digestion; the biogas is used for power generation.",
        },
        {"title": "畜禽粪便沼气", "description": "养猪场畜禽粪便厌氧消化产沼气发电"},
    ),
    (
        {
            "title": "Photovoltaic power forecasting with machine learning",
            "summary": "Solar power generation is predicted from weather data for grid dispatch.",
        },
        {"title": "光伏发电功率预测", "description": "利用机器学习根据气象数据预测光伏发电功率，服务电网调度"},
    ),
]

# (achievement, demand) in Chinese with different words for the same thing; the distractors below
# share the demand's surface words but are about something else.
SYNONYMS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {"title": "砼构件裂缝探伤", "summary": "采用超声波对砼构件的裂缝进行探伤"},
        {"title": "混凝土裂缝无损检测", "description": "混凝土构件裂缝的无损检测"},
    ),
    (
        {"title": "马达带动的机械手搬运系统", "summary": "马达带动机械手完成工件搬运"},
        {"title": "电机驱动机械臂", "description": "电机驱动的机械臂"},
    ),
    (
        {"title": "砂糖桔冻干加工", "summary": "砂糖桔果肉冻干后保持风味"},
        {"title": "沙糖桔冷冻干燥", "description": "沙糖桔冷冻干燥"},
    ),
    (
        {"title": "纯电动车退役锂电梯次利用", "summary": "退役锂电拆解重组后用于储能"},
        {"title": "电动汽车废旧锂离子电池", "description": "电动汽车废旧锂离子电池再利用"},
    ),
    (
        {"title": "砼搅拌站粉尘治理", "summary": "砼搅拌站的粉尘治理装置"},
        {"title": "混凝土搅拌站除尘", "description": "混凝土搅拌站除尘"},
    ),
    (
        {"title": "智能驾驶的环境感知", "summary": "智能驾驶通过激光雷达感知周围环境"},
        {"title": "无人驾驶感知", "description": "无人驾驶车辆的感知"},
    ),
]

SYNONYM_DISTRACTORS: list[dict[str, Any]] = [
    {"title": "沥青路面裂缝修补", "summary": "沥青路面裂缝的灌缝修补材料"},
    {"title": "混凝土外加剂配方", "summary": "混凝土减水剂的配方"},
    {"title": "机械臂示教编程", "summary": "机械臂的离线示教编程软件"},
    {"title": "电机绕组绝缘老化", "summary": "电机绕组绝缘的老化评估"},
    {"title": "沙糖桔种植技术", "summary": "沙糖桔的施肥与修剪"},
    {"title": "冷冻干燥设备能耗", "summary": "冷冻干燥机的能耗分析"},
    {"title": "电动汽车充电桩布局", "summary": "城市电动汽车充电桩的选址"},
    {"title": "锂离子电池正极材料", "summary": "高镍锂离子电池正极材料的合成"},
    {"title": "搅拌站物流调度", "summary": "搅拌站车辆的物流调度"},
    {"title": "燃煤锅炉除尘", "summary": "燃煤锅炉的布袋除尘"},
    {"title": "无人驾驶农机", "summary": "无人驾驶拖拉机的路径规划"},
    {"title": "车辆感知数据标注", "summary": "车辆感知数据的人工标注平台"},
]

# Distractors: share generic words (技术, 系统, 方法, 汽车, 检测 …) with the demands, other subjects.
DISTRACTORS: list[dict[str, Any]] = [
    {"title": "汽车座椅舒适性评价方法", "summary": "基于问卷的汽车座椅舒适性评价"},
    {"title": "电力系统负荷预测技术", "summary": "城市电网用电负荷的短期预测"},
    {"title": "中药材重金属检测", "summary": "中药材中铅镉等重金属的快速检测技术"},
    {"title": "桥梁健康监测系统", "summary": "大跨度桥梁结构健康监测的传感器布置"},
    {"title": "水稻育种新品种", "summary": "高产抗病水稻新品种选育"},
    {"title": "教育信息化平台", "summary": "职业教育在线学习平台的设计"},
    {"title": "Traffic signal timing optimisation", "summary": "Urban intersections and traffic flow."},
    {"title": "Protein extraction from soybean", "summary": "Enzymatic extraction of soybean protein."},
]


def set_lines(
    pairs: list[tuple[dict[str, Any], dict[str, Any]]],
    *,
    distractors: list[dict[str, Any]] = DISTRACTORS,
    lang: str | None = None,
) -> list[str]:
    lines: list[dict[str, Any]] = []
    for i, (achievement, demand) in enumerate(pairs):
        lines.append(
            {"kind": "achievement", "id": f"a{i}", "keywords": [], **achievement, **({"lang": lang} if lang else {})}
        )
        lines.append({"kind": "demand", "id": f"d{i}", "keywords": [], **demand})
        lines.append({"kind": "judgement", "demand": f"d{i}", "achievement": f"a{i}", "grade": 3})
    for j, distractor in enumerate(distractors):
        lines.append({"kind": "achievement", "id": f"x{j}", "keywords": [], **distractor})
    return [json.dumps(line, ensure_ascii=False) for line in lines]


def write_set(path: Path, pairs: list[tuple[dict[str, Any], dict[str, Any]]], **kwargs: Any) -> Path:
    path.write_text("\n".join(set_lines(pairs, **kwargs)) + "\n", encoding="utf-8")
    return path
