"""The bulk import tells matching about the listings it publishes, as publishing one by one does
(through the effect ``matching.listings_changed``, run here as a worker runs it).

Run on the demo database: the sample files name their owners by the demo organisations' credit codes.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from pytest_django.fixtures import Settings

from apps.accounts.models import User
from apps.core.effects import run_pending_effects
from apps.core.errors import ApplicationError
from apps.demo.data import DEMO_EMAIL_DOMAIN
from apps.listings.importing import ACHIEVEMENT_KIND, DEMAND_KIND, import_listings
from apps.listings.models import Achievement, Demand, ListingStatus
from apps.matching import index_state
from apps.matching.models import ChangeOp, IndexChange, ListingKind
from tests.listings.bulk_factories import sample_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo(settings: Settings) -> None:
    settings.DEBUG = True
    call_command("load_demo_data", stdout=StringIO())


@pytest.fixture
def operator() -> User:
    return User.objects.get(email=f"wei.lihua@{DEMO_EMAIL_DOMAIN}")


def upserts(kind: ListingKind) -> set[int]:
    return set(IndexChange.objects.filter(kind=kind, op=ChangeOp.UPSERT).values_list("listing_id", flat=True))


@pytest.mark.parametrize(
    ("kind", "model", "name", "matching_kind"),
    [
        (ACHIEVEMENT_KIND, Achievement, "achievements.jsonl", ListingKind.ACHIEVEMENT),
        (DEMAND_KIND, Demand, "demands.csv", ListingKind.DEMAND),
    ],
)
def test_published_rows_enter_the_change_log_and_drafts_do_not(kind, model, name, matching_kind, operator) -> None:
    run_pending_effects()  # what the demo load left for the worker (the ASEAN listings' publication)
    version = index_state.current_version()
    known = set(model.objects.values_list("pk", flat=True))

    result = import_listings(actor=operator, kind=kind, content=sample_bytes(name), filename=name)
    run_pending_effects()

    new = model.objects.exclude(pk__in=known)
    assert result.created == new.count() > 0
    published = set(new.filter(status=ListingStatus.PUBLISHED).values_list("pk", flat=True))
    drafts = set(new.exclude(status=ListingStatus.PUBLISHED).values_list("pk", flat=True))
    assert published and drafts  # the samples hold both
    assert upserts(matching_kind) & (published | drafts) == published
    assert index_state.current_version() == version + len(published)


def test_a_dry_run_or_a_refused_file_logs_nothing(operator) -> None:
    version = index_state.current_version()
    content = sample_bytes("achievements.jsonl")

    import_listings(actor=operator, kind=ACHIEVEMENT_KIND, content=content, filename="a.jsonl", dry_run=True)
    bad = content + b'{"title": "", "owner_credit_code": "91450203DEM000002H", "status": "published"}\n'
    with pytest.raises(ApplicationError):
        import_listings(actor=operator, kind=ACHIEVEMENT_KIND, content=bad, filename="b.jsonl")

    assert index_state.current_version() == version


def test_a_worker_index_serves_the_imported_listings(operator) -> None:
    index_state.reset_local()
    try:
        before = set(index_state.local_index().achievements.doc_ids())
        result = import_listings(
            actor=operator,
            kind=ACHIEVEMENT_KIND,
            content=sample_bytes("achievements.jsonl"),
            filename="achievements.jsonl",
        )
        assert result.created
        run_pending_effects()
        published = set(
            Achievement.objects.filter(status=ListingStatus.PUBLISHED)
            .exclude(pk__in=before)
            .values_list("pk", flat=True)
        )
        # A worker that was already serving catches up through the change log alone, without a rebuild.
        assert set(index_state.local_index().achievements.doc_ids()) == before | published
    finally:
        index_state.reset_local()
