"""The deal pipeline as data: which stage may move to which, and who may make each move.

Pure Python (no ORM), so the whole matrix can be tested on its own. A move is allowed when
``to in TRANSITIONS[from]`` and the mover's role is in that entry's set.

Roles:
- ``party``: a member of the buyer or the seller organisation;
- ``broker``: a broker taking part in the deal;
- ``operator``: the market operator;
- ``contract``: the contracts side (``deal_sync_from_contract``) reporting a signed, registered,
  performing or completed contract.

Stages from ``signed`` on follow the contract, so only the contracts side and the operator move
them; before that the parties and their brokers run the pipeline. ``lost`` and ``cancelled`` end a
deal and need a reason.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Stage(StrEnum):
    LEAD = "lead"
    CONTACTED = "contacted"
    NEGOTIATING = "negotiating"
    CONTRACT_DRAFTED = "contract_drafted"
    SIGNED = "signed"
    REGISTERED = "registered"
    IN_PERFORMANCE = "in_performance"
    COMPLETED = "completed"
    LOST = "lost"
    CANCELLED = "cancelled"


class Role(StrEnum):
    PARTY = "party"
    BROKER = "broker"
    OPERATOR = "operator"
    CONTRACT = "contract"


# The forward path, in order: a deal "reached" a stage when it is at that stage or later on this path.
PIPELINE: Final[tuple[Stage, ...]] = (
    Stage.LEAD,
    Stage.CONTACTED,
    Stage.NEGOTIATING,
    Stage.CONTRACT_DRAFTED,
    Stage.SIGNED,
    Stage.REGISTERED,
    Stage.IN_PERFORMANCE,
    Stage.COMPLETED,
)
TERMINAL: Final[frozenset[Stage]] = frozenset({Stage.COMPLETED, Stage.LOST, Stage.CANCELLED})
# Ending stages that need a reason code and a note.
NEEDS_REASON: Final[frozenset[Stage]] = frozenset({Stage.LOST, Stage.CANCELLED})
# Stages the contract side drives (deal_sync_from_contract).
CONTRACT_DRIVEN: Final[frozenset[Stage]] = frozenset(
    {Stage.SIGNED, Stage.REGISTERED, Stage.IN_PERFORMANCE, Stage.COMPLETED}
)

_PEOPLE: Final = frozenset({Role.PARTY, Role.BROKER, Role.OPERATOR})
_OFFICIAL: Final = frozenset({Role.OPERATOR, Role.CONTRACT})

TRANSITIONS: Final[dict[Stage, dict[Stage, frozenset[Role]]]] = {
    Stage.LEAD: {
        Stage.CONTACTED: _PEOPLE,
        Stage.NEGOTIATING: _PEOPLE,
        Stage.LOST: _PEOPLE,
        Stage.CANCELLED: _PEOPLE,
    },
    Stage.CONTACTED: {
        Stage.NEGOTIATING: _PEOPLE,
        Stage.LOST: _PEOPLE,
        Stage.CANCELLED: _PEOPLE,
    },
    Stage.NEGOTIATING: {
        Stage.CONTRACT_DRAFTED: _PEOPLE,
        Stage.LOST: _PEOPLE,
        Stage.CANCELLED: _PEOPLE,
    },
    Stage.CONTRACT_DRAFTED: {
        # A draft the parties reopen goes back to the table.
        Stage.NEGOTIATING: _PEOPLE,
        Stage.SIGNED: _OFFICIAL,
        Stage.LOST: _PEOPLE,
        Stage.CANCELLED: _PEOPLE,
    },
    Stage.SIGNED: {
        Stage.REGISTERED: _OFFICIAL,
        # Performance may begin before the registration certificate arrives.
        Stage.IN_PERFORMANCE: _OFFICIAL,
        # A signed contract is terminated or annulled: only officially.
        Stage.CANCELLED: _OFFICIAL,
    },
    Stage.REGISTERED: {
        Stage.IN_PERFORMANCE: _OFFICIAL,
        Stage.COMPLETED: _OFFICIAL,
        Stage.CANCELLED: _OFFICIAL,
    },
    Stage.IN_PERFORMANCE: {
        Stage.COMPLETED: _OFFICIAL,
        Stage.CANCELLED: _OFFICIAL,
    },
    Stage.COMPLETED: {},
    Stage.LOST: {},
    Stage.CANCELLED: {},
}


def allowed_targets(stage: Stage, role: Role) -> list[Stage]:
    """The stages ``role`` may move a deal in ``stage`` to, in pipeline order."""
    return [to for to, roles in TRANSITIONS[stage].items() if role in roles]


def can_move(stage: Stage, to: Stage, roles: frozenset[Role] | set[Role]) -> bool:
    """True when one of ``roles`` may move a deal from ``stage`` to ``to``."""
    allowed = TRANSITIONS[stage].get(to)
    return allowed is not None and bool(allowed & set(roles))


def is_allowed_anyone(stage: Stage, to: Stage) -> bool:
    """True when the pipeline has the move at all, whoever makes it."""
    return to in TRANSITIONS[stage]


def pipeline_index(stage: Stage) -> int:
    """Position on the forward path; -1 for lost and cancelled."""
    try:
        return PIPELINE.index(stage)
    except ValueError:
        return -1


def has_reached(stage: Stage, target: Stage) -> bool:
    """True when a deal at ``stage`` is at ``target`` or past it on the forward path."""
    here = pipeline_index(stage)
    return here >= 0 and here >= pipeline_index(target)


def contract_path(stage: Stage, target: Stage) -> list[Stage]:
    """The forward steps from ``stage`` to the contract-driven ``target`` (empty when already there or past).

    A contract reported as registered while the deal is still negotiating walks the deal through
    signed to registered, so every stage it passed is recorded.
    """
    here, there = pipeline_index(stage), pipeline_index(target)
    if here < 0 or there <= here:
        return []
    return list(PIPELINE[here + 1 : there + 1])
