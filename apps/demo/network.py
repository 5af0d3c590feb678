"""The demo network of markets, expert pool and a 对接会, loaded through the services of apps.markets,
apps.experts and apps.events (after the demo market, whose organisations and deals it uses).

The network: the Liuzhou main market (created by the markets migration), the 来宾 city market of 桂中 and
the 鹿寨县 and 融安县 county stations. Experts: four, one of them at the demo university (so it is excluded
from reviews where the university is a party). The event: a 对接会 of the main market, today, where the
demo auto-parts maker and the institute registered, met, and where their gear deal is attributed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.deals.models import Deal
from apps.demo.data import DEMO_EMAIL_DOMAIN, ORGANIZATIONS_BY_KEY
from apps.demo.market import ACTING_PERSON
from apps.events.models import Event, EventDealAttribution, EventRegistration
from apps.events.services import deal_attribute, event_create, event_register
from apps.experts.models import Expert
from apps.experts.services import expert_conflict_add, expert_create
from apps.listings.models import Achievement, Demand
from apps.markets.access import assign_home_markets
from apps.markets.models import Market
from apps.markets.services import market_create
from apps.organizations.models import Organization

Progress = Callable[..., None]

DEMO_MARKETS = (
    ("laibin", "来宾科技大市场", "Laibin Technology Market", "city", "liuzhou", ["451300"]),
    ("luzhai", "鹿寨县科技服务工作站", "Luzhai County Station", "county", "liuzhou", ["450223"]),
    ("rongan", "融安县科技服务工作站", "Rong'an County Station", "county", "liuzhou", ["450224"]),
)
DEMO_EXPERTS = (
    ("覃志刚", "教授级高级工程师", "", ["03", "10"]),
    ("黎秋萍", "研究员", "中国科学院广州能源研究所", ["06", "05"]),
    ("蒙建华", "教授", "", ["03"]),
    ("韦德胜", "高级工程师", "东风柳州汽车有限公司", ["03", "10"]),
)
DEMO_EVENT_TITLE = "柳州汽车零部件产学研技术对接会（示例）"
GEAR_DEAL_TITLE = "齿轮渗碳淬火变形控制技术开发"


def _org(key: str) -> Organization:
    return Organization.objects.get(credit_code=ORGANIZATIONS_BY_KEY[key].credit_code)


def _acting(key: str) -> User:
    return User.objects.get(email=f"{ACTING_PERSON[key]}@{DEMO_EMAIL_DOMAIN}")


def load_network(*, operator: User, progress: Progress, heading: Callable[[str], None]) -> None:
    heading("Network of markets, experts and events")
    with transaction.atomic():
        for code, name_zh, name_en, level, parent, regions in DEMO_MARKETS:
            created = not Market.objects.filter(pk=code).exists()
            if created:
                market_create(actor=operator, code=code, name_zh=name_zh, name_en=name_en, level=level,
                              parent_code=parent, region_codes=regions)  # fmt: skip
            progress("market", name_zh, created=created)
        university = _org("university")
        for index, (name, title, affiliation, fields) in enumerate(DEMO_EXPERTS):
            created = not Expert.objects.filter(name=name).exists()
            if created:
                expert = expert_create(
                    actor=operator, name=name, title=title, field_codes=fields,
                    affiliation_id=university.pk if index == 2 else None, affiliation_text=affiliation,
                    market_codes=["liuzhou", "laibin"],
                )  # fmt: skip
                if index == 3:
                    expert_conflict_add(actor=operator, expert=expert, organization_id=_org("auto_parts").pk,
                                        reason="原同一集团下属企业")  # fmt: skip
            progress("expert", name, created=created)
        # The demo's listings are built directly (load_demo_data); give them their home markets.
        for model in (Achievement, Demand):
            assign_home_markets(model.objects.all())
        _matchmaking(operator, progress)


def _matchmaking(operator: User, progress: Progress) -> None:
    event = Event.objects.filter(title=DEMO_EVENT_TITLE).first()
    created = event is None
    if event is None:
        # Today: it began two hours before the demo was loaded, so the demo's deals opened there.
        now = timezone.now()
        event = event_create(
            actor=operator, market_code="liuzhou", starts_at=now - timedelta(hours=2), ends_at=now + timedelta(hours=6),
            title=DEMO_EVENT_TITLE, kind="matchmaking", format="hybrid", venue="柳州科技大市场一楼路演厅",
            online_url="https://meeting.example.cn/liuzhou-demo", capacity=80,
            description="新能源汽车零部件企业与高校院所一对一洽谈，线上同步直播。",
        )  # fmt: skip
    progress("event", DEMO_EVENT_TITLE, created=created)
    for key in ("auto_parts", "institute", "university"):
        user = _acting(key)
        if not EventRegistration.objects.filter(event=event, user=user).exists() and event.ends_at > timezone.now():
            event_register(actor=user, event=event, organization_id=_org(key).pk)
    deal = Deal.objects.filter(title=GEAR_DEAL_TITLE).first()
    attributable = deal is not None and deal.created_at >= event.starts_at
    if attributable and not EventDealAttribution.objects.filter(deal=deal).exists():
        deal_attribute(actor=operator, event=event, deal=deal)  # type: ignore[arg-type]
        progress("event deal", GEAR_DEAL_TITLE, created=True)
