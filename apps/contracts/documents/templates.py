"""The clause structure of the national model texts of technology contracts, one per contract type.

The structure (which clauses, in which order) follows the model texts the Ministry of Science and
Technology publishes for 技术开发（委托）合同, 技术转让（专利权）合同, 技术许可（专利实施许可）合同,
技术咨询合同 and 技术服务合同; the clause wording here is the market's own. A contract document is
Chinese legal text, so the clauses are written in Chinese (they are the document, not interface text).

``{name}`` placeholders are filled from the contract (:func:`fill`); unknown names stay as written.
A draft may replace any clause's text (``overrides``, by clause key).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Clause:
    key: str
    heading: str
    text: str


@dataclass(frozen=True)
class ModelText:
    key: str
    title: str
    buyer_label: str
    seller_label: str
    clauses: tuple[Clause, ...]


def _subject(noun: str) -> Clause:
    return Clause(
        "subject",
        "项目名称",
        f"本合同{noun}为“{{title}}”，合同编号{{contract_number}}，所属技术领域为{{technology_field}}。",
    )


_CONFIDENTIALITY = Clause(
    "confidentiality",
    "技术情报和资料的保密",
    "双方对履行本合同中知悉的对方技术情报、资料和商业信息负有保密义务，保密期限自本合同生效之日起至相关信息"
    "依法公开之日止；未经对方书面同意，不得向第三方披露或用于本合同以外的目的。"
    "通过{market}查阅的成果详情和附件，仍受双方在平台上接受的保密协议约束。",
)
_LIABILITY = Clause(
    "liability",
    "违约责任",
    "任何一方违反本合同约定的，应当继续履行、采取补救措施，并赔偿对方因此遭受的直接损失；"
    "逾期履行付款义务的，每逾期一日按未付金额的万分之五支付违约金，违约金总额不超过合同总金额的百分之十。",
)
_DISPUTES = Clause(
    "disputes",
    "争议的解决方法",
    "因本合同发生的争议，双方应协商解决；协商不成的，可提请{market}调解，"
    "调解不成的，任何一方可向乙方所在地有管辖权的人民法院提起诉讼。",
)
_TERMS = Clause(
    "terms",
    "名词和术语的解释",
    "本合同所称“技术交易额”，指合同成交额扣除购置设备、仪器、零部件、原材料等非技术性费用后的金额。"
    "其他名词和术语按照《中华人民共和国民法典》技术合同章的通常含义理解。",
)
_OTHER = Clause(
    "other",
    "其他约定",
    "本合同自双方签署之日起生效，有效期自{valid_from}至{valid_until}。本合同的变更以书面形式作出，"
    "变更后的文本作为新版本另行签署，原版本及其签署记录予以保留。",
)

MODEL_TEXTS: dict[str, ModelText] = {
    "development": ModelText(
        key="development",
        title="技术开发（委托）合同",
        buyer_label="委托方（甲方）",
        seller_label="受托方（乙方）",
        clauses=(
            _subject("项目名称"),
            Clause(
                "scope",
                "标的技术的内容、范围及要求",
                "甲方委托乙方研究开发前述项目。开发的技术目标、主要技术指标、内容和范围以双方确认的"
                "研究开发计划书为准，计划书作为本合同附件，与本合同具有同等效力。",
            ),
            Clause(
                "schedule",
                "履行的计划、进度、期限、地点和方式",
                "乙方应在本合同有效期内（{valid_from}至{valid_until}）按研究开发计划的进度完成研究开发工作，"
                "履行地点为乙方所在地或双方另行约定的地点，以书面报告、样品或软件等方式交付研究开发成果。",
            ),
            Clause(
                "cooperation",
                "甲方的协作事项",
                "甲方应按约定提供研究开发所需的技术背景资料、原始数据和必要的工作条件，并及时接受研究开发成果。",
            ),
            _CONFIDENTIALITY,
            Clause(
                "results",
                "技术成果的归属和分享",
                "研究开发所完成的发明创造，申请专利的权利及取得的专利权归甲方所有，乙方享有署名权和获得奖励的权利；"
                "技术秘密成果的使用权、转让权及利益分配办法由双方另行书面约定，未约定的按法律规定处理。",
            ),
            Clause(
                "acceptance",
                "验收标准和方法",
                "研究开发成果按研究开发计划书所列技术指标，由甲方组织验收，或由双方共同委托的第三方评价机构评价；"
                "验收合格后由甲方出具书面验收证明。",
            ),
            Clause(
                "price",
                "价款、报酬及其支付方式",
                "本合同研究开发经费和报酬合计人民币{contract_amount}元（大写：{contract_amount_upper}），"
                "其中技术交易额人民币{technology_amount}元。甲方按双方约定的付款节点以银行转账方式支付。",
            ),
            _LIABILITY,
            Clause(
                "risk",
                "风险责任的承担",
                "因出现无法克服的技术困难致使研究开发失败或部分失败的，双方应及时通知对方并采取措施减少损失，"
                "风险损失由双方合理分担。",
            ),
            _DISPUTES,
            _TERMS,
            _OTHER,
        ),
    ),
    "transfer": ModelText(
        key="transfer",
        title="技术转让（专利权）合同",
        buyer_label="受让方（甲方）",
        seller_label="让与方（乙方）",
        clauses=(
            _subject("转让的项目"),
            Clause(
                "scope",
                "专利权的基本情况",
                "乙方将其合法拥有的与本项目有关的专利权（专利名称、专利号、申请日、授权日以附件所列为准）转让给甲方。"
                "乙方保证其为专利权的合法权利人，该专利权在转让时处于有效状态，未设定质押或许可第三方独占实施。",
            ),
            Clause(
                "schedule",
                "技术资料的交付及转让登记",
                "乙方应在本合同生效后三十日内向甲方交付实施专利所需的技术资料，并配合甲方向国家知识产权局"
                "办理专利权转让登记手续；专利权自登记公告之日起转移。",
            ),
            Clause(
                "cooperation",
                "技术服务和指导",
                "乙方应为甲方实施该专利提供必要的技术指导和培训，使甲方掌握实施所需的技术。",
            ),
            _CONFIDENTIALITY,
            Clause(
                "results",
                "后续改进的提供与分享",
                "本合同生效后，一方对该专利技术所作的后续改进，其成果归改进方所有；另一方需要使用的，双方另行协商。",
            ),
            Clause(
                "invalidation",
                "专利权被宣告无效的处理",
                "专利权被宣告无效的，乙方已收取的价款中，尚未履行部分应当返还甲方；因乙方过错造成甲方损失的，乙方应予赔偿。",
            ),
            Clause(
                "price",
                "价款及其支付方式",
                "本合同转让价款为人民币{contract_amount}元（大写：{contract_amount_upper}），"
                "其中技术交易额人民币{technology_amount}元。甲方按双方约定的付款节点以银行转账方式支付。",
            ),
            _LIABILITY,
            _DISPUTES,
            _TERMS,
            _OTHER,
        ),
    ),
    "licence": ModelText(
        key="licence",
        title="技术许可（专利实施许可）合同",
        buyer_label="被许可方（甲方）",
        seller_label="许可方（乙方）",
        clauses=(
            _subject("许可实施的项目"),
            Clause(
                "scope",
                "许可实施的专利、方式和范围",
                "乙方许可甲方实施其合法拥有的与本项目有关的专利（以附件所列为准），许可方式为{licence_mode}，"
                "许可实施的范围包括制造、使用、销售依该专利生产的产品，具体地域以附件约定为准。",
            ),
            Clause(
                "schedule",
                "许可期限和技术资料的交付",
                "许可期限自{valid_from}至{valid_until}，且不超过专利权的有效期限。乙方应在本合同生效后三十日内"
                "交付实施所需的技术资料，并在专利权有效期内按期缴纳年费、维持专利有效。",
            ),
            Clause(
                "cooperation",
                "技术服务和指导",
                "乙方应为甲方实施该专利提供必要的技术指导，使甲方的产品达到约定的技术指标。",
            ),
            _CONFIDENTIALITY,
            Clause(
                "results",
                "后续改进的提供与分享",
                "在许可期内一方对专利技术作出的后续改进，其成果归改进方所有；另一方需要使用的，双方另行协商。",
            ),
            Clause(
                "price",
                "使用费及其支付方式",
                "本合同许可使用费合计人民币{contract_amount}元（大写：{contract_amount_upper}），"
                "其中技术交易额人民币{technology_amount}元。甲方按双方约定的付款节点以银行转账方式支付；"
                "按销售额提成的，提成比例和结算周期以附件约定为准。",
            ),
            _LIABILITY,
            _DISPUTES,
            _TERMS,
            _OTHER,
        ),
    ),
    "consulting": ModelText(
        key="consulting",
        title="技术咨询合同",
        buyer_label="委托方（甲方）",
        seller_label="受托方（乙方）",
        clauses=(
            _subject("咨询项目"),
            Clause(
                "scope",
                "咨询的内容、形式和要求",
                "乙方就前述项目为甲方提供可行性论证、技术预测、专题技术调查或分析评价等咨询服务，"
                "以书面咨询报告的形式提交，报告应当内容完整、论证充分、结论明确。",
            ),
            Clause(
                "schedule",
                "履行的期限、地点和方式",
                "乙方应在{valid_from}至{valid_until}期间完成咨询工作，并以书面方式向甲方提交咨询报告。",
            ),
            Clause(
                "cooperation",
                "甲方的协作事项",
                "甲方应阐明咨询的问题，按时提供有关的技术背景材料及数据，并及时接受咨询报告。",
            ),
            _CONFIDENTIALITY,
            Clause(
                "acceptance",
                "咨询报告的验收标准和方法",
                "甲方在收到咨询报告后十五日内组织验收；报告符合本合同约定要求的，甲方出具书面验收意见。"
                "甲方按照咨询报告作出决策所造成的损失，由甲方承担，合同另有约定的除外。",
            ),
            Clause(
                "price",
                "报酬及其支付方式",
                "本合同咨询报酬为人民币{contract_amount}元（大写：{contract_amount_upper}），"
                "其中技术交易额人民币{technology_amount}元，甲方在验收合格后以银行转账方式支付。",
            ),
            _LIABILITY,
            _DISPUTES,
            _TERMS,
            _OTHER,
        ),
    ),
    "service": ModelText(
        key="service",
        title="技术服务合同",
        buyer_label="委托方（甲方）",
        seller_label="受托方（乙方）",
        clauses=(
            _subject("服务项目"),
            Clause(
                "scope",
                "服务的内容、方式和要求",
                "乙方运用专业技术知识和经验为甲方解决前述项目中的特定技术问题，"
                "服务的具体内容、工作量和应达到的技术指标以附件为准。",
            ),
            Clause(
                "schedule",
                "履行的期限、地点和方式",
                "乙方应在{valid_from}至{valid_until}期间在甲方所在地或双方约定的地点完成服务工作。",
            ),
            Clause(
                "cooperation",
                "工作条件和协作事项",
                "甲方应按约定提供服务所需的工作条件、数据和资料，并指定联系人配合乙方工作。",
            ),
            _CONFIDENTIALITY,
            Clause(
                "acceptance",
                "验收标准和方法",
                "服务工作成果按附件所列技术指标验收，验收合格后甲方出具书面验收证明。",
            ),
            Clause(
                "price",
                "报酬及其支付方式",
                "本合同服务报酬为人民币{contract_amount}元（大写：{contract_amount_upper}），"
                "其中技术交易额人民币{technology_amount}元，甲方按双方约定的付款节点以银行转账方式支付。",
            ),
            _LIABILITY,
            _DISPUTES,
            _TERMS,
            _OTHER,
        ),
    ),
}


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its ``{name}`` placeholders replaced; an unknown name stays as written."""
    return text.format_map(_Keep(values))


def model_text(contract_type: str) -> ModelText:
    return MODEL_TEXTS[contract_type]


def resolve_clauses(text: ModelText, overrides: Mapping[str, str], values: Mapping[str, str]) -> list[dict[str, str]]:
    """The clauses of a document: the template's, each replaced by its override if any, filled."""
    return [
        {"key": c.key, "heading": c.heading, "text": fill(overrides.get(c.key, c.text), values)} for c in text.clauses
    ]


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _four(n: int) -> str:
    out, zero = "", False
    for i in range(3, -1, -1):
        d = n // 10**i % 10
        if d:
            if zero and out:
                out += "零"
            out += _DIGITS[d] + _UNITS[i]
            zero = False
        else:
            zero = True
    return out


def yuan_in_capitals(amount: str) -> str:
    """A yuan amount ("1200.50") in the capital numerals of financial documents (壹仟贰佰元伍角整)."""
    whole_text, _, frac_text = amount.partition(".")
    whole = int(whole_text or "0")
    frac = (frac_text + "00")[:2]
    parts: list[str] = []
    group = 0
    pending_zero = False
    while whole:
        chunk = whole % 10000
        if chunk:
            text = _four(chunk) + _GROUPS[group]
            if pending_zero or (parts and chunk < 1000):
                text += "零" if parts and not parts[0].startswith("零") else ""
            parts.insert(0, text)
            pending_zero = False
        else:
            pending_zero = bool(parts)
        whole //= 10000
        group += 1
    head = "".join(parts) or "零"
    head += "元"
    jiao, fen = int(frac[0]), int(frac[1])
    if not jiao and not fen:
        return head + "整"
    tail = (_DIGITS[jiao] + "角" if jiao else ("零" if head != "零元" else "")) + (_DIGITS[fen] + "分" if fen else "")
    return head + tail + ("" if fen else "整")


SUBTYPE_ZH: dict[str, str] = {
    "commissioned_development": "委托开发",
    "cooperative_development": "合作开发",
    "patent_right_transfer": "专利权转让",
    "patent_application_right_transfer": "专利申请权转让",
    "technical_secret_transfer": "技术秘密转让",
    "software_copyright_transfer": "计算机软件著作权转让",
    "ic_layout_transfer": "集成电路布图设计专有权转让",
    "plant_variety_transfer": "植物新品种权转让",
    "other_transfer": "其他技术转让",
    "exclusive_patent_licence": "独占实施许可",
    "sole_patent_licence": "排他实施许可",
    "ordinary_patent_licence": "普通实施许可",
    "technical_secret_licence": "技术秘密使用许可",
    "other_licence": "其他技术许可",
    "feasibility_study": "可行性论证",
    "technology_forecast": "技术预测",
    "technology_evaluation": "技术评价",
    "other_consulting": "其他技术咨询",
    "general_service": "一般技术服务",
    "training": "技术培训",
    "brokerage": "技术中介",
}
