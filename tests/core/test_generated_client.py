"""The typed Python client generated from the schema (openapi-python-client, as ``make client`` does)
walks the business path against a live server: a university's ERP with an API key and people with
logins post a demand and an achievement, the operator approves them, the enterprise reads its matches,
opens a deal, the university records the contract and its signed document and applies for registration,
the operator registers it, the enterprise records a payment and the operator reads the statistics."""

from __future__ import annotations

import importlib
import io
import json
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.core.management import call_command

from apps.contracts.selectors import market_today
from apps.core.effects import run_pending_effects
from tests.contracts.factories import PDF_BYTES
from tests.deals.factories import DealWorld
from tests.factories import TEST_PASSWORD, operator_user
from tests.matching.conftest import GEAR_ACHIEVEMENT, GEAR_DEMAND

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PACKAGE = "marketplace_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
# The generator's own formatting hook (ruff) is left out: the client is imported, not committed. File
# downloads it has no type for (JSON Lines, XLSX) are read as bytes. Same as deploy/client-config.yaml.
CONFIG = (Path(__file__).resolve().parents[2] / "deploy" / "client-config.yaml").read_text(encoding="utf-8")


def generate_client(directory: Path) -> Path:
    """``manage.py spectacular`` then openapi-python-client, failing on any generator warning."""
    schema = directory / "schema.yaml"
    call_command("spectacular", "--file", str(schema))
    config = directory / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    output = directory / PACKAGE
    result = subprocess.run(  # noqa: S603 (our own venv's generator, fixed arguments)
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(output),
            "--config",
            str(config),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return output


@pytest.fixture(scope="module")
def client_package(tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any) -> Iterator[ModuleType]:
    directory = tmp_path_factory.mktemp("client")
    with django_db_blocker.unblock():
        generate_client(directory)
    sys.path.insert(0, str(directory))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(directory))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_every_generated_operation_module_imports(client_package):
    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(importlib.import_module(f"{PACKAGE}.api").__path__, f"{PACKAGE}.api.")
        if not info.ispkg
    ]
    assert len(modules) > 150
    assert all(hasattr(module, "sync_detailed") for module in modules)


def api(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def model(name: str) -> Any:
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


def plain(data: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready: the shared test data holds Decimals and dates."""
    return json.loads(json.dumps(data, default=str))


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response.parsed is not None
    return response.parsed


def test_the_generated_client_walks_the_business_path(client_package, live_server, celery_eager, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = DealWorld()
    operator = operator_user()
    from marketplace_client import AuthenticatedClient, Client
    from marketplace_client.types import File

    def login(email: str) -> Any:
        anonymous = Client(base_url=live_server.url)
        body = model("MarketTokenObtainPairRequest")(email=email, password=TEST_PASSWORD)
        tokens = ok(api("auth.auth_token_obtain").sync_detailed(client=anonymous, body=body))
        return AuthenticatedClient(base_url=live_server.url, token=tokens.access)

    enterprise, university, market_operator = login(world.buyer_user.email), login(world.seller_user.email), None
    market_operator = login(operator.email)

    # The university's admin issues a key for its ERP, scoped to what the ERP does.
    scopes = ["listings:*", "contracts:*", "matching:read"]
    key_body = model("ApiKeyCreateInputRequest").from_dict({"name": "科研管理系统", "scopes": scopes})
    created = ok(
        api("api_keys.organization_api_keys_create").sync_detailed(
            organization_id=world.seller.pk, client=university, body=key_body
        ),
        201,
    )
    assert sorted(str(s) for s in created.scopes) == sorted(scopes)
    erp = AuthenticatedClient(base_url=live_server.url, token=created.key, prefix="Api-Key")

    # A demand (the enterprise, by login) and an achievement (the university, by its key), sent for review.
    demand_body = model("DemandInputRequest").from_dict(
        plain({**GEAR_DEMAND, "deadline": market_today().replace(year=market_today().year + 1)})
    )
    demand = ok(api("demands.demands_create").sync_detailed(client=enterprise, body=demand_body), 201)
    achievement = ok(
        api("achievements.achievements_create").sync_detailed(
            client=erp, body=model("AchievementInputRequest").from_dict(plain(GEAR_ACHIEVEMENT))
        ),
        201,
    )
    ok(api("demands.demands_submit").sync_detailed(demand.id, client=enterprise))
    ok(api("achievements.achievements_submit").sync_detailed(achievement.id, client=erp))

    approve = model("ReviewInputRequest")(approve=True)
    reviewed = ok(api("demands.demands_review").sync_detailed(demand.id, client=market_operator, body=approve))
    assert str(reviewed.status) == "published"
    assert ok(
        api("achievements.achievements_review").sync_detailed(achievement.id, client=market_operator, body=approve)
    )
    run_pending_effects()  # whatever the eager hand-over left (none, normally)

    # The enterprise reads its matches: the university's achievement is among them.
    matches = ok(api("matching.demands_matches_list").sync_detailed(demand.id, client=enterprise))
    assert achievement.id in [match.achievement.id for match in matches.results]

    # A deal, the contract (recorded by the seller's ERP), its signed document, registration.
    deal_body = model("DealCreateInputRequest").from_dict(
        {
            "title": "齿轮热处理变形控制技术转让",
            "buyer_id": world.buyer.pk,
            "seller_id": world.seller.pk,
            "introduction_id": world.introduction.pk,
            "demand_id": demand.id,
            "achievement_id": achievement.id,
        }
    )
    deal = ok(api("deals.deals_create").sync_detailed(client=enterprise, body=deal_body), 201)
    contract_body = model("ContractCreateInputRequest").from_dict(
        {
            "title": "齿轮渗碳热处理技术转让合同",
            "deal_id": deal.id,
            "buyer_id": world.buyer.pk,
            "seller_id": world.seller.pk,
            "type": "transfer",
            "subtype": "patent_right_transfer",
            "ip_type": "invention_patent",
            "technology_field_code": "03",
            "programme_class": "provincial",
            "signed_on": market_today().isoformat(),
            "contract_amount": "1000000.00",
            "deductions": [{"kind": "equipment", "description": "热处理炉一台", "amount": "200000.00"}],
        }
    )
    contract = ok(api("contracts.contracts_create").sync_detailed(client=erp, body=contract_body), 201)
    assert contract.technology_amount == "800000.00"
    document = model("DocumentUploadInputRequest")(
        file=File(payload=io.BytesIO(PDF_BYTES), file_name="技术转让合同.pdf", mime_type="application/pdf")
    )
    ok(api("contracts.contracts_document_upload").sync_detailed(contract.id, client=erp, body=document))
    registration = ok(
        api("registrations.contracts_registration_apply").sync_detailed(
            contract.id, client=erp, body=model("RegistrationApplyInputRequest")(note="请审核")
        ),
        201,
    )
    decision = model("RegistrationDecideInputRequest").from_dict({"decision": "register"})
    registered = ok(
        api("registrations.registrations_decide").sync_detailed(registration.id, client=market_operator, body=decision)
    )
    assert str(registered.status) == "registered"
    assert registered.registration_number

    # The enterprise pays the first instalment.
    payment_body = model("ContractPaymentInputRequest")(amount="300000.00", paid_on=market_today())
    ok(api("contracts.contracts_payments_create").sync_detailed(contract.id, client=enterprise, body=payment_body), 201)
    run_pending_effects()

    # The key cannot read statistics (no stats scope); the operator can, and the contract is counted.
    refused = api("statistics.stats_report").sync_detailed(client=erp)
    assert refused.status_code == 403
    assert refused.parsed.code == "insufficient_scope"
    report = ok(
        api("statistics.stats_report").sync_detailed(client=market_operator, date_from=market_today().strftime("%Y-%m"))
    )
    totals = report.totals.values.to_dict()
    assert totals["contract_count"] == 1
    assert totals["contract_amount"] == "1000000.00"
    assert totals["technology_amount"] == "800000.00"
    assert totals["paid_amount"] == "300000.00"
