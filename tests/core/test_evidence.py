"""The evidence chain: appends chain by hash, the trigger refuses edits, verify catches a row edited in SQL."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import InternalError

from apps.core.evidence import GENESIS_HASH, canonical_json, record_evidence, verify_chain
from apps.core.models import EvidenceEntry
from tests.factories import OrganizationFactory, member_of, operator_user

pytestmark = pytest.mark.django_db


def _append(n: int) -> list[EvidenceEntry]:
    with transaction.atomic():
        return [
            record_evidence(
                stream="contracts",
                subject_type="contract",
                subject_id=i,
                event="contract.recorded",
                payload={"amount": Decimal("1200.50"), "title": "柳州 技术开发", "n": i},
                actor_id=None,
            )
            for i in range(1, n + 1)
        ]


def _tamper(sql: str, params: list[object]) -> None:
    """A DBA with superuser rights: triggers off for this session, then a direct UPDATE/DELETE."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def test_canonical_json_is_sorted_compact_and_keeps_chinese() -> None:
    assert canonical_json({"b": Decimal("1.10"), "a": "技术"}) == '{"a":"技术","b":"1.10"}'
    with pytest.raises(TypeError):
        canonical_json({"x": 0.1})


def test_entries_chain_and_verify() -> None:
    entries = _append(3)
    assert entries[0].prev_hash == GENESIS_HASH
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    assert [e.position for e in entries] == [1, 2, 3]
    assert entries[0].payload["amount"] == "1200.50"
    result = verify_chain()
    assert result.ok and result.checked == 3 and result.head_hash == entries[2].hash


def test_trigger_refuses_update_and_delete() -> None:
    entry = _append(1)[0]
    with pytest.raises(InternalError), transaction.atomic():
        EvidenceEntry.objects.filter(pk=entry.pk).update(event="changed")
    with pytest.raises(InternalError), transaction.atomic():
        EvidenceEntry.objects.filter(pk=entry.pk).delete()
    assert EvidenceEntry.objects.get(pk=entry.pk).event == "contract.recorded"


def test_verify_catches_a_row_edited_in_sql_command_and_endpoint(client_for) -> None:  # type: ignore[no-untyped-def]
    entries = _append(3)
    _tamper(
        "UPDATE core_evidenceentry SET payload = jsonb_set(payload, '{amount}', '\"9999.00\"') WHERE id = %s",
        [entries[1].pk],
    )
    result = verify_chain()
    assert not result.ok
    assert result.first_bad_id == entries[1].pk
    assert result.checked == 1
    assert "edited" in result.reason

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_evidence", stdout=out, stderr=err)
    assert exit_info.value.code == 1
    assert f"id={entries[1].pk}" in err.getvalue()

    operator = client_for(operator_user())
    response = operator.get("/api/v1/evidence/verify")
    assert response.status_code == 200
    assert response.json()["ok"] is False
    assert response.json()["first_bad_id"] == entries[1].pk

    stranger = client_for(member_of(OrganizationFactory()))
    response = stranger.get("/api/v1/evidence/verify")
    assert response.status_code == 403
    assert response.json()["code"] == "operator_only"


def test_verify_catches_removed_rows() -> None:
    entries = _append(3)
    _tamper("DELETE FROM core_evidenceentry WHERE id = %s", [entries[1].pk])
    result = verify_chain()
    assert not result.ok and result.first_bad_id == entries[2].pk and "missing" in result.reason


def test_verify_catches_a_removed_last_row() -> None:
    entries = _append(2)
    _tamper("DELETE FROM core_evidenceentry WHERE id = %s", [entries[1].pk])
    result = verify_chain()
    assert not result.ok and result.checked == 1 and "removed" in result.reason


def test_clean_chain_command_succeeds(client_for) -> None:  # type: ignore[no-untyped-def]
    _append(2)
    out = io.StringIO()
    call_command("verify_evidence", stdout=out)
    assert out.getvalue().startswith("ok: 2 entries")
    response = client_for(operator_user()).get("/api/v1/evidence/verify")
    assert response.json()["ok"] is True and response.json()["head_position"] == 2


def test_challenge_bids_and_the_award_join_the_chain() -> None:
    from tests.challenges.factories import awarded_race

    challenge, winners = awarded_race(teams=2, bids=3)
    entries = list(EvidenceEntry.objects.filter(subject_type="challenge", subject_id=challenge.pk))
    assert [e.event for e in entries] == ["challenge.bid_submitted"] * 3 + ["challenge.awarded"]
    assert [a["bid_id"] for a in entries[-1].payload["awarded"]] == [b.pk for b in winners]
    assert len(entries[0].payload["proposal_sha256"]) == 64
    assert verify_chain().ok
