"""The transition matrix, stated here independently of apps/deals/transitions.py and compared cell by cell."""

from __future__ import annotations

import itertools

import pytest

from apps.deals.transitions import (
    PIPELINE,
    TRANSITIONS,
    Role,
    Stage,
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

CELLS = list(itertools.product(list(Stage), list(Stage), list(Role)))


def test_every_stage_has_a_row():
    assert set(TRANSITIONS) == set(Stage) == set(EXPECTED)


@pytest.mark.parametrize(("here", "to", "role"), CELLS, ids=[f"{h}-{t}-{r}" for h, t, r in CELLS])
def test_matrix_cell(here, to, role):
    expected = role in EXPECTED[here.value].get(to.value, set())
    assert can_move(here, to, {role}) is expected


def test_nobody_moves_a_deal_to_the_stage_it_is_in_or_out_of_an_end():
    for stage in Stage:
        assert not can_move(stage, stage, set(Role))
    for end in (Stage.COMPLETED, Stage.LOST, Stage.CANCELLED):
        assert allowed_targets(end, Role.OPERATOR) == []


def test_parties_and_brokers_cannot_sign_or_register_themselves():
    for here, to in itertools.product(Stage, (Stage.SIGNED, Stage.REGISTERED, Stage.IN_PERFORMANCE, Stage.COMPLETED)):
        assert not can_move(here, to, {Role.PARTY, Role.BROKER})


def test_contract_path_walks_forward_only():
    assert contract_path(Stage.NEGOTIATING, Stage.REGISTERED) == [
        Stage.CONTRACT_DRAFTED,
        Stage.SIGNED,
        Stage.REGISTERED,
    ]
    assert contract_path(Stage.REGISTERED, Stage.SIGNED) == []
    assert contract_path(Stage.SIGNED, Stage.SIGNED) == []
    assert contract_path(Stage.LOST, Stage.SIGNED) == []
    assert contract_path(Stage.LEAD, Stage.COMPLETED) == list(PIPELINE[1:])


def test_has_reached():
    assert has_reached(Stage.REGISTERED, Stage.SIGNED)
    assert has_reached(Stage.SIGNED, Stage.SIGNED)
    assert not has_reached(Stage.CONTRACT_DRAFTED, Stage.SIGNED)
    assert not has_reached(Stage.CANCELLED, Stage.LEAD)
