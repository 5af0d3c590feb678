"""The expert pool and blind reviews over HTTP: a challenge's bids scored blind by pool experts with the
conflicted ones excluded (回避), and a large registration's expert review."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.contracts.services import contract_create, registration_apply
from apps.experts.models import ExpertReview, PanelMember
from tests.challenges.factories import bid_on, open_challenge, team
from tests.contracts.factories import service_data
from tests.factories import OrganizationFactory, UserFactory, member_of, operator_user

pytestmark = pytest.mark.django_db

CRITERIA = [
    {"code": "feasibility", "name": "技术可行性", "weight": "0.60"},
    {"code": "team", "name": "团队能力", "weight": "0.40"},
]


def _expert(op, name, **body):
    made = op.post("/api/v1/experts", {"name": name, "field_codes": ["03"], **body}, format="json")
    assert made.status_code == 201, made.json()
    return made.json()


@pytest.fixture
def setup(client_for):
    operator = operator_user()
    op = client_for(operator)
    issuer = member_of(OrganizationFactory(name="柳州五菱汽车工业有限公司"))
    challenge = open_challenge(issuer=issuer, operator=operator)
    org_a, user_a = team(name="广西科技大学")
    org_b, user_b = team(name="桂林电子科技大学")
    bid_on(challenge, member=user_a, proposal="方案甲：液冷板与相变材料复合。")
    bid_on(challenge, member=user_b, proposal="方案乙：热管均温板。")
    # An organisation that signed a contract with the issuer last month.
    partner = OrganizationFactory(name="柳州汽车检测研究院", type="research_institute", entity_type_id="021")
    contract_create(actor=member_of(partner), data=service_data(buyer_id=issuer.memberships.get().organization_id,
                                                                seller_id=partner.pk))  # fmt: skip
    users = [UserFactory(name=f"专家{i}") for i in range(7)]
    experts = [
        _expert(op, "覃同事", affiliation_id=org_a.pk, user_id=users[0].pk),  # same organisation as bidder A
        _expert(op, "韦申报", affiliation_text="广西大学", user_id=users[1].pk),  # will declare a conflict with B
        _expert(op, "蒙合作", affiliation_id=partner.pk, user_id=users[2].pk),  # recent contract with the issuer
        _expert(op, "黎专家", affiliation_text="柳州职业技术学院", user_id=users[3].pk),
        _expert(op, "罗专家", affiliation_text="中南大学", user_id=users[4].pk),
        _expert(op, "潘专家", affiliation_text="华南理工大学", user_id=users[5].pk),
        _expert(op, "其他领域", field_codes=["09"], user_id=users[6].pk),
    ]
    declared = client_for(users[1]).post(
        f"/api/v1/experts/{experts[1]['id']}/conflicts", {"organization_id": org_b.pk, "reason": "曾任该校兼职教授"},
        format="json",
    )  # fmt: skip
    assert declared.status_code == 201, declared.json()
    return {
        "op": op, "issuer": client_for(issuer), "challenge": challenge, "experts": experts, "users": users,
        "clients": [client_for(u) for u in users], "names": (org_a.name, org_b.name),
        "bidder": client_for(user_a),
    }  # fmt: skip


def test_bids_are_scored_blind_by_pool_experts_with_conflicted_ones_excluded(setup):
    s = setup
    opened = s["issuer"].post(
        "/api/v1/expert-reviews",
        {"kind": "challenge_bids", "challenge_id": s["challenge"].pk, "criteria": CRITERIA, "panel_size": 3},
        format="json",
    )
    assert opened.status_code == 201, opened.json()
    review = opened.json()
    assert [item["code"] for item in review["items"]] == ["A", "B"]
    pk = review["id"]

    panel = {row["expert_name"]: row for row in s["issuer"].get(f"/api/v1/expert-reviews/{pk}/panel").json()}
    assert (panel["覃同事"]["status"], panel["覃同事"]["conflict_reason"]) == ("excluded", "same_organization")
    assert (panel["韦申报"]["status"], panel["韦申报"]["conflict_reason"]) == ("excluded", "declared")
    assert (panel["蒙合作"]["status"], panel["蒙合作"]["conflict_reason"]) == ("excluded", "recent_collaboration")
    assert {n for n, row in panel.items() if row["status"] == "selected"} == {"黎专家", "罗专家", "潘专家"}
    assert "其他领域" not in panel

    conflicted, first, second, third = s["clients"][0], s["clients"][3], s["clients"][4], s["clients"][5]
    # The excluded expert does not see the review at all; a bidder cannot open the panel's view.
    assert conflicted.get(f"/api/v1/expert-reviews/{pk}").status_code == 404
    assert conflicted.post(f"/api/v1/expert-reviews/{pk}/scores", {"scores": []}, format="json").status_code == 404
    assert s["bidder"].get(f"/api/v1/expert-reviews/{pk}").status_code == 404

    # Blind: the expert reads codes and proposals, never the bidders' names.
    seen = first.get(f"/api/v1/expert-reviews/{pk}")
    assert seen.status_code == 200
    assert seen.json()["my_role"] == "expert"
    text = seen.content.decode()
    assert all(name not in text for name in s["names"])
    assert first.get(f"/api/v1/expert-reviews/{pk}/panel").status_code == 403
    assert first.get(f"/api/v1/expert-reviews/{pk}/results").status_code == 403

    def submit(client, a, b):
        return client.post(
            f"/api/v1/expert-reviews/{pk}/scores",
            {"scores": [{"item": "A", "criteria": {"feasibility": a[0], "team": a[1]}},
                        {"item": "B", "criteria": {"feasibility": b[0], "team": b[1]}}]},
            format="json",
        )  # fmt: skip

    done = submit(first, ("90", "80"), ("70", "60"))
    assert done.status_code == 201, done.json()
    assert [(row["item"], row["total"]) for row in done.json()] == [("A", "86.00"), ("B", "66.00")]
    # Another expert sees none of the first one's scores; results wait for the whole panel.
    assert second.get(f"/api/v1/expert-reviews/{pk}/scores").json() == []
    pending = s["issuer"].get(f"/api/v1/expert-reviews/{pk}/results")
    assert (pending.status_code, pending.json()["code"]) == (409, "scores_pending")
    # Scores are submitted once; an incomplete or out-of-range submission is refused whole.
    assert submit(first, ("10", "10"), ("10", "10")).status_code == 409
    partial = second.post(
        f"/api/v1/expert-reviews/{pk}/scores",
        {"scores": [{"item": "A", "criteria": {"feasibility": "80", "team": "80"}}]},
        format="json",
    )
    assert (partial.status_code, partial.json()["code"]) == (400, "bad_scores")
    assert submit(second, ("101", "80"), ("70", "60")).status_code == 400
    assert second.get(f"/api/v1/expert-reviews/{pk}/scores").json() == []

    assert submit(second, ("80", "70"), ("75", "85")).status_code == 201
    assert submit(third, ("85", "95"), ("60", "50")).status_code == 201
    assert ExpertReview.objects.get(pk=pk).status == "complete"

    results = s["issuer"].get(f"/api/v1/expert-reviews/{pk}/results")
    assert results.status_code == 200, results.json()
    rows = results.json()
    # A: 86, 76, 89 → mean 83.67; B: 66, 79, 56 → 67.00 (three scores: no trimming).
    assert [(r["code"], r["result"], r["method"]) for r in rows] == [("A", "83.67", "mean"), ("B", "67.00", "mean")]
    assert rows[0]["organization_name"] == s["names"][0]
    assert sorted(rows[0]["totals"].values()) == ["76.00", "86.00", "89.00"]
    # The operator reads them too.
    assert s["op"].get(f"/api/v1/expert-reviews/{pk}/results").status_code == 200


def test_a_review_is_refused_when_input_or_rights_are_wrong(setup, client_for):
    s = setup
    body = {"kind": "challenge_bids", "challenge_id": s["challenge"].pk, "criteria": CRITERIA, "panel_size": 3}
    bad_weights = [{**CRITERIA[0], "weight": "0.50"}, CRITERIA[1]]
    refused = s["issuer"].post("/api/v1/expert-reviews", {**body, "criteria": bad_weights}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "bad_criteria")
    too_many = s["issuer"].post("/api/v1/expert-reviews", {**body, "panel_size": 4}, format="json")
    assert (too_many.status_code, too_many.json()["code"]) == (409, "not_enough_experts")
    assert too_many.json()["available"] == 3
    outsider = client_for(member_of(OrganizationFactory()))
    assert outsider.post("/api/v1/expert-reviews", body, format="json").status_code == 403
    assert s["bidder"].post("/api/v1/expert-reviews", body, format="json").status_code == 403
    assert outsider.post("/api/v1/experts", {"name": "某人", "field_codes": ["03"]}, format="json").status_code == 403
    assert outsider.get("/api/v1/experts").status_code == 403
    assert not ExpertReview.objects.exists()
    assert not PanelMember.objects.exists()


def test_a_large_registration_gets_an_expert_review(setup, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    s = setup
    buyer = OrganizationFactory(name="柳州钢铁集团有限公司")
    seller = OrganizationFactory(name="柳州工学院", type="university", entity_type_id="022")
    seller_user = member_of(seller)
    small = contract_create(actor=seller_user, data=service_data(buyer_id=buyer.pk, seller_id=seller.pk))
    large = contract_create(
        actor=seller_user,
        data=service_data(buyer_id=buyer.pk, seller_id=seller.pk, technology_field_code="03",
                          contract_amount=Decimal("6000000.00")),
    )  # fmt: skip
    from apps.contracts.services import contract_document_attach
    from tests.contracts.factories import pdf_upload

    for contract in (small, large):
        contract_document_attach(actor=seller_user, contract=contract, upload=pdf_upload())
    small_reg = registration_apply(actor=seller_user, contract=small)
    large_reg = registration_apply(actor=seller_user, contract=large)
    body = {"kind": "registration", "criteria": CRITERIA, "panel_size": 2}
    below = s["op"].post("/api/v1/expert-reviews", {**body, "registration_id": small_reg.pk}, format="json")
    assert (below.status_code, below.json()["code"]) == (400, "below_expert_review_threshold")
    # The seller sees its registration but may not organise its review.
    seller_client = client_for(seller_user)
    assert seller_client.post("/api/v1/expert-reviews", {**body, "registration_id": large_reg.pk},
                              format="json").status_code == 403  # fmt: skip
    opened = s["op"].post("/api/v1/expert-reviews", {**body, "registration_id": large_reg.pk}, format="json")
    assert opened.status_code == 201, opened.json()
    review = opened.json()
    assert review["kind"] == "registration"
    assert [item["code"] for item in review["items"]] == ["A"]
    assert seller.name not in opened.content.decode()
    assert buyer.name not in opened.content.decode()
