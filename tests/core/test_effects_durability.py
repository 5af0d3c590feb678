"""Named effects under real failures, with real processes: a Redis that is down when the change commits,
and a Celery worker killed with ``kill -9`` in the middle of an effect. Each time the effect's observable
result (an e-mail that a real SMTP server receives) happens exactly once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from apps.core.effects import sweep_effects
from apps.core.models import Effect, EffectStatus
from apps.notifications.models import Notification
from apps.notifications.services import notify
from tests.factories import UserFactory
from tests.smtp_sink import SMTPSink, free_port
from tests.workers import ROOT, broker_fixture, celery_workers, worker_database_url  # noqa: F401 - `broker`

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.timeout(300),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WAIT_SECONDS = 60


def wait_for(condition: Callable[[], Any], what: str, seconds: float = WAIT_SECONDS) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    pytest.fail(f"waited {seconds} s for {what}")


@contextmanager
def private_redis(port: int, data: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A redis-server of this test's own (the suite's Redis stays up for everything else)."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    process = subprocess.Popen(  # noqa: S603 - the machine's redis-server
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        wait_for(lambda: _pings(client), f"redis on {port}", 20)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


def _done(effect: Effect) -> bool:
    return Effect.objects.get(pk=effect.pk).status == EffectStatus.DONE


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": worker_database_url(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_redis_down_at_commit_the_email_waits_in_the_outbox_and_goes_out_once_redis_is_back(tmp_path):
    recipient = UserFactory(email="huang.lei@example.cn")
    port = free_port()
    with SMTPSink() as sink:
        env = {"REDIS_URL": f"redis://127.0.0.1:{port}/0", "EMAIL_URL": sink.url, "EFFECTS_HANDOVER_SECONDS": "1"}
        env_unset = {"CELERY_BROKER_URL": "", "CELERY_RESULT_BACKEND": ""}
        env = {k: v for k, v in {**env_unset, **env}.items() if v}

        # Redis is down (nothing listens on the port) while another process records the change and commits.
        recorded = manage(
            env,
            "shell",
            "-c",
            "from apps.accounts.models import User; from apps.notifications.services import notify; "
            f"notify(recipients=[User.objects.get(pk={recipient.pk})], kind='match_found', title='新的匹配成果')",
        )
        assert recorded.returncode == 0, recorded.stderr[-3000:]
        assert "not handed over" in recorded.stderr
        notification = Notification.objects.get(recipient=recipient)
        pending = Effect.objects.get(name="notifications.send_emails")
        assert pending.status == EffectStatus.PENDING
        assert sink.messages == []

        # Redis comes back; a worker starts; the beat's sweeper finds the effect due and hands it over.
        with (
            private_redis(port, tmp_path),
            celery_workers(queues=["celery"], name="outage", logs=[tmp_path / "worker.log"], env=env),
        ):
            wait_for(lambda: pending.due_at < timezone.now(), "the effect to fall due", 5)
            swept = manage(env, "run_effects", "--sweep")
            assert swept.returncode == 0, swept.stderr[-3000:]
            assert "handed over: 1" in swept.stdout
            wait_for(lambda: sink.recipients() == ["huang.lei@example.cn"], "the e-mail")
            wait_for(lambda: Effect.objects.get(pk=pending.pk).status == EffectStatus.DONE, "the effect done")

            # Sweeping again, and a duplicate delivery of the old message, send nothing more.
            manage(env, "run_effects", "--sweep")
            time.sleep(2)
        assert sink.recipients() == ["huang.lei@example.cn"]
        notification.refresh_from_db()
        assert notification.emailed_at is not None


@pytest.mark.usefixtures("broker")
def test_a_worker_killed_mid_email_is_replaced_and_the_email_goes_out_once(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.EFFECTS_HANDOVER_SECONDS = 2
    with SMTPSink(hang=1) as sink:
        env = {"EMAIL_URL": sink.url, "EMAIL_TIMEOUT": "120", "NOTIFICATION_EMAIL_LEASE_SECONDS": "2"}
        env["EFFECTS_HANDOVER_SECONDS"] = "2"
        with celery_workers(queues=["celery"], name="doomed", logs=[tmp_path / "first.log"], env=env) as (worker,):
            # Outside a transaction: notify commits, and its hand-over reaches the worker through Redis.
            (notification,) = notify(
                recipients=[UserFactory(email="wu.fang@example.cn")], kind="match_found", title="新的匹配成果"
            )
            # The worker is inside the effect: connected to the SMTP server, waiting for its greeting.
            wait_for(lambda: sink.hanging == 1, "the worker to start sending")
            worker.kill()  # SIGKILL: no clean-up, no acknowledgement
            worker.wait(timeout=20)
        row = Effect.objects.get(name="notifications.send_emails")
        assert row.status == EffectStatus.PENDING
        notification.refresh_from_db()
        assert notification.emailed_at is None
        assert sink.messages == []

        with celery_workers(queues=["celery"], name="heir", logs=[tmp_path / "second.log"], env=env):
            # The dead sender's leases expire; the sweeper hands the effect over to the new worker (unless
            # the broker gave it the dead worker's message first).
            wait_for(lambda: sweep_effects() == 1 or _done(row), "the sweeper to hand the effect over", 30)
            wait_for(lambda: sink.recipients() == ["wu.fang@example.cn"], "the e-mail")
            wait_for(lambda: Effect.objects.get(pk=row.pk).status == EffectStatus.DONE, "the effect done")
            sweep_effects()
            time.sleep(2)
        assert sink.recipients() == ["wu.fang@example.cn"]


def test_redis_down_at_commit_a_new_demand_still_gets_its_matches_once_redis_is_back(tmp_path):
    """Measured before effects: a demand approved while Redis was down had no matches until the nightly
    rebuild. Now its matching effects wait in the outbox and a worker computes the matches later."""
    from datetime import date

    from apps.core.effects import run_pending_effects
    from apps.listings.services import listing_submit
    from apps.matching.models import Match
    from tests.factories import OrganizationFactory, member_of, operator_user
    from tests.matching.factories import GEAR_ACHIEVEMENT, GEAR_DEMAND, draft_achievement, draft_demand, publish

    operator = operator_user()
    university = OrganizationFactory(name="广西科技大学", type="university", entity_type_id="022")
    enterprise = OrganizationFactory(name="柳州五菱汽车零部件有限公司")
    uni_user, ent_user = member_of(university), member_of(enterprise)
    achievement = draft_achievement(university, **GEAR_ACHIEVEMENT)
    publish(achievement, owner_user=uni_user, operator=operator)
    run_pending_effects()  # the achievement is in the index before the outage
    demand = draft_demand(enterprise, **{**GEAR_DEMAND, "deadline": date(2099, 12, 31)})
    listing_submit(actor=ent_user, listing=demand)

    port = free_port()
    env = {"REDIS_URL": f"redis://127.0.0.1:{port}/0", "EFFECTS_HANDOVER_SECONDS": "1"}
    # Redis is down while the operator's approval commits in another process.
    approved = manage(
        env,
        "shell",
        "-c",
        "from apps.accounts.models import User; from apps.listings.models import Demand; "
        "from apps.listings.services import listing_review; "
        f"listing_review(actor=User.objects.get(pk={operator.pk}), listing=Demand.objects.get(pk={demand.pk}), "
        "approve=True)",
    )
    assert approved.returncode == 0, approved.stderr[-3000:]
    assert "not handed over" in approved.stderr
    changed = Effect.objects.get(name="matching.listings_changed", kwargs__kind="demand")
    assert changed.status == EffectStatus.PENDING
    assert not Match.objects.filter(demand_id=demand.pk).exists()

    with (
        private_redis(port, tmp_path),
        celery_workers(queues=["celery"], name="matcher", logs=[tmp_path / "worker.log"], env=env),
    ):
        wait_for(lambda: Effect.objects.get(pk=changed.pk).due_at < timezone.now(), "the effect to fall due", 5)
        assert manage(env, "run_effects", "--sweep").returncode == 0
        wait_for(
            lambda: Match.objects.filter(demand_id=demand.pk, achievement_id=achievement.pk).exists(),
            "the demand's match",
        )
        wait_for(
            lambda: not Effect.objects.filter(name__startswith="matching.").exclude(status=EffectStatus.DONE).exists(),
            "every matching effect done",
        )
    assert Match.objects.filter(demand_id=demand.pk, achievement_id=achievement.pk).count() == 1


@pytest.mark.usefixtures("broker")
def test_a_worker_killed_mid_fold_rolls_back_and_the_heir_folds_the_contract_once(settings, tmp_path):
    """An atomic effect: the statistics fold and its "done" mark are one transaction, so a worker killed
    while folding leaves neither; the sweeper hands the effect to the next worker, which folds once."""
    from datetime import date
    from decimal import Decimal

    import psycopg2

    from apps.core.effects import execute_effect
    from apps.stats.services import STATS_LOCK_KEY, stats_fold_contract
    from tests.factories import operator_user
    from tests.stats.fold_helpers import headline, make_world, registered

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.EFFECTS_HANDOVER_SECONDS = 2
    env = {"EFFECTS_HANDOVER_SECONDS": "2"}
    world = make_world(settings, tmp_path)
    holder = psycopg2.connect(worker_database_url())
    holder.autocommit = True
    try:
        with holder.cursor() as cursor:
            # What the nightly recompute holds: the statistics lock. A fold waits for it inside its effect.
            cursor.execute("SELECT pg_advisory_lock(%s)", [STATS_LOCK_KEY])
            with celery_workers(queues=["celery"], name="folder", logs=[tmp_path / "first.log"], env=env) as (worker,):
                registration = registered(world, operator_user(), on="2026-03-10")
                fold = Effect.objects.get(name="stats.fold_contract", kwargs__contract_id=registration.contract_id)

                def waiting_inside_the_fold() -> bool:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
                    )
                    row = cursor.fetchone()
                    return bool(row and row[0] >= 1)

                wait_for(waiting_inside_the_fold, "the worker to wait inside the fold")
                worker.kill()  # SIGKILL, mid-transaction
                worker.wait(timeout=20)
            cursor.execute("SELECT pg_advisory_unlock(%s)", [STATS_LOCK_KEY])
    finally:
        holder.close()
    # The killed fold left nothing behind: no cells, the effect still pending.
    assert headline() == {}
    assert Effect.objects.get(pk=fold.pk).status == EffectStatus.PENDING

    with celery_workers(queues=["celery"], name="heir", logs=[tmp_path / "second.log"], env=env):
        wait_for(lambda: sweep_effects() >= 1 or _done(fold), "the sweeper to hand the fold over", 30)
        wait_for(lambda: Effect.objects.get(pk=fold.pk).status == EffectStatus.DONE, "the fold done")
    expected = {date(2026, 3, 1): (1, Decimal("600000.00"), Decimal("600000.00"), Decimal("0.00"))}
    assert headline() == expected
    # A late duplicate delivery finds the effect done; folding again by hand changes nothing either.
    assert execute_effect(fold.pk) is False
    stats_fold_contract(contract_id=registration.contract_id)
    assert headline() == expected
