"""Steps of the finance flow over the API, shared by the finance tests."""

from __future__ import annotations

from typing import Any

PRODUCTS = "/api/v1/finance/products"
REQUESTS = "/api/v1/finance/requests"
APPLICATIONS = "/api/v1/finance/applications"
POOLS = "/api/v1/finance/pools"

IP_PLEDGE_PRODUCT: dict[str, Any] = {
    "name": "柳行知识产权质押贷",
    "kind": "ip_pledge_loan",
    "description": "以已授权发明专利质押，最高500万元。",
    "min_amount": "100000.00",
    "max_amount": "5000000.00",
    "min_term_months": 6,
    "max_term_months": 36,
    "min_rate": "3.450",
    "max_rate": "4.800",
    "eligibility_rules": [
        {"rule": "granted_patents_min", "count": 1},
        {"rule": "pledgeable_asset_required"},
        {"rule": "region_in", "codes": ["450200"]},
    ],
}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def publish_product(client: Any, institution_id: int, **overrides: Any) -> dict[str, Any]:
    data = {**IP_PLEDGE_PRODUCT, "institution_id": institution_id, **overrides}
    product = ok(client.post(PRODUCTS, data, format="json"), 201)
    assert product["status"] == "draft"
    return ok(client.post(f"{PRODUCTS}/{product['id']}/publish"))


def make_request(client: Any, *, collateral: list[int], **overrides: Any) -> dict[str, Any]:
    data = {
        "amount": "2000000.00",
        "term_months": 24,
        "purpose": "新能源电池热管理产线扩产",
        "collateral_ids": collateral,
        **overrides,
    }
    return ok(client.post(REQUESTS, data, format="json"), 201)
