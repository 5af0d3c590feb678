"""The transition matrix, stated here independently of apps/deals/transitions.py and compared cell by cell."""

from __future__ import annotations

import itertools

import pytest

from apps.deals.transitions import (
    PIPELINE,
    TRANSITIONS,
    DealStage,
    Role,
    allowed_targets,
    can_move,
    contract_path,
    has_reached,
)

PEOPLE = {Role.PARTY, Role.BROKER, Role.OPERATOR}
OFFICIAL = {Role.OPERATOR, Role.CONTRACT}

# from → {to: who}; every pair not listed is forbidden for everyone.
EXPECTED: dict[str, dict[str, set[Role]]] = {
    "lead": {"contacted": PEOPLE, "negotiating": PEOPLE, "lost": PEOPLE, "cancelled": PEOPLE},
    "contacted": {"negotiating": PEOPLE, "lost": PEOPLE, "cancelled": PEOPLE},
    "negotiating": {"contract_drafted": PEOPLE, "lost": PEOPLE, "cancelled": PEOPLE},
    "contract_drafted": {"negotiating": PEOPLE, "signed": OFFICIAL, "lost": PEOPLE, "cancelled": PEOPLE},
    "signed": {"registered": OFFICIAL, "in_performance": OFFICIAL, "cancelled": OFFICIAL},
    "registered": {"in_performance": OFFICIAL, "completed": OFFICIAL, "cancelled": OFFICIAL},
    "in_performance": {"completed": OFFICIAL, "cancelled": OFFICIAL},
    "completed": {},
    "lost": {},
    "cancelled": {},
}

CELLS = list(itertools.product(list(DealStage), list(DealStage), list(Role)))


def test_every_stage_has_a_row():
    assert set(TRANSITIONS) == set(DealStage) == set(EXPECTED)


@pytest.mark.parametrize(("here", "to", "role"), CELLS, ids=[f"{h}-{t}-{r}" for h, t, r in CELLS])
def test_matrix_cell(here, to, role):
    expected = role in EXPECTED[here.value].get(to.value, set())
    assert can_move(here, to, {role}) is expected


def test_nobody_moves_a_deal_to_the_stage_it_is_in_or_out_of_an_end():
    for stage in DealStage:
        assert not can_move(stage, stage, set(Role))
    for end in (DealStage.COMPLETED, DealStage.LOST, DealStage.CANCELLED):
        assert allowed_targets(end, Role.OPERATOR) == []


def test_parties_and_brokers_cannot_sign_or_register_themselves():
    for here, to in itertools.product(
        DealStage, (DealStage.SIGNED, DealStage.REGISTERED, DealStage.IN_PERFORMANCE, DealStage.COMPLETED)
    ):
        assert not can_move(here, to, {Role.PARTY, Role.BROKER})


def test_contract_path_walks_forward_only():
    assert contract_path(DealStage.NEGOTIATING, DealStage.REGISTERED) == [
        DealStage.CONTRACT_DRAFTED,
        DealStage.SIGNED,
        DealStage.REGISTERED,
    ]
    assert contract_path(DealStage.REGISTERED, DealStage.SIGNED) == []
    assert contract_path(DealStage.SIGNED, DealStage.SIGNED) == []
    assert contract_path(DealStage.LOST, DealStage.SIGNED) == []
    assert contract_path(DealStage.LEAD, DealStage.COMPLETED) == list(PIPELINE[1:])


def test_has_reached():
    assert has_reached(DealStage.REGISTERED, DealStage.SIGNED)
    assert has_reached(DealStage.SIGNED, DealStage.SIGNED)
    assert not has_reached(DealStage.CONTRACT_DRAFTED, DealStage.SIGNED)
    assert not has_reached(DealStage.CANCELLED, DealStage.LEAD)
