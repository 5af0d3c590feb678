from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.matching import index_state
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.matching.factories import (
    GEAR_ACHIEVEMENT,
    GEAR_DEMAND,
    RICE_ACHIEVEMENT,
    VISION_ACHIEVEMENT,
    draft_achievement,
    draft_demand,
    publish,
)


@pytest.fixture(autouse=True)
def _fresh_local_index() -> Iterator[None]:
    """Each test's database starts over (rolled back), so this process's served index must too."""
    index_state.reset_local()
    yield
    index_state.reset_local()


@pytest.fixture
def operator():
    return operator_user()


@pytest.fixture
def university():
    return OrganizationFactory(name="广西科技大学", type="university", entity_type_id="022")


@pytest.fixture
def enterprise():
    return OrganizationFactory(name="柳州五菱汽车零部件有限公司")


@pytest.fixture
def uni_user(university):
    return member_of(university)


@pytest.fixture
def ent_user(enterprise):
    return member_of(enterprise)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the after-commit hooks (the queued tasks, eagerly) as a committed transaction would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def market(university, enterprise, uni_user, ent_user, operator, on_commit, celery_eager):
    """Three published achievements of the university, one published demand of the enterprise; the
    matching tasks ran (eagerly) after each approval committed."""
    achievements = [
        on_commit(publish, draft_achievement(university, **data), owner_user=uni_user, operator=operator)
        for data in (GEAR_ACHIEVEMENT, VISION_ACHIEVEMENT, RICE_ACHIEVEMENT)
    ]
    demand = on_commit(publish, draft_demand(enterprise, **GEAR_DEMAND), owner_user=ent_user, operator=operator)
    return {"gear": achievements[0], "vision": achievements[1], "rice": achievements[2], "demand": demand}
