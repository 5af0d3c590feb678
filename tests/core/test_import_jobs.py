"""Background imports: a large file becomes a job (202), run by the owning app's effect; progress and the
report are read over the API by the one who started it. One test runs a real Celery worker and watches
the rows done while the job is held mid-file."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import psycopg2
import pytest
from django.urls import reverse

from apps.core.effects import run_pending_effects
from apps.core.import_jobs import run_import_job
from apps.core.models import ImportJob
from apps.ip.models import IPAsset
from apps.listings.importing import import_report as listing_import_report
from apps.listings.models import Achievement
from tests.bulk_files import post_import, xlsx_bytes
from tests.factories import OrganizationFactory, member_of
from tests.ip.factories import make_application_number
from tests.workers import celery_workers, worker_database_url

WAIT_SECONDS = 90
LISTING_HEADERS = ("标题", "成果简介", "技术领域", "技术成熟度", "合作方式", "所属机构统一社会信用代码")
PATENT_HEADERS = ("名称", "类型", "申请号", "申请日")


def listing_rows(owner, count: int, *, bad: int | None = None) -> list[list]:
    return [
        [
            f"重载齿轮渗碳淬火变形控制{n}",
            "渗碳淬火变形量降低40%。",
            "先进制造",
            12 if n == bad else 6,
            "转让",
            owner.credit_code,
        ]
        for n in range(count)
    ]


@pytest.mark.django_db
def test_a_large_file_becomes_a_job_with_a_report_read_by_its_owner_only(
    client_for, settings, api_client, client, admin_user
):
    settings.LISTING_IMPORT_INLINE_MAX_ROWS = 2
    org = OrganizationFactory()
    staff = client_for(member_of(org))
    content = xlsx_bytes(LISTING_HEADERS, listing_rows(org, 3))
    queued = post_import(staff, "/api/v1/achievements/import", "大文件.xlsx", content)
    assert queued.status_code == 202, queued.json()
    job = queued.json()
    assert (job["status"], job["total_rows"], job["done_rows"], job["report"]) == ("queued", 3, 0, None)
    assert queued["Location"] == job["url"] == f"/api/v1/import-jobs/{job['id']}"
    assert not Achievement.objects.exists()  # nothing until a worker runs it

    assert run_pending_effects(names=["listings.run_import"]) == 1
    done = staff.get(job["url"]).json()
    assert (done["status"], done["done_rows"], done["total_rows"]) == ("done", 3, 3)
    assert (done["report"]["created"], done["report"]["format"]) == (3, "xlsx")
    assert Achievement.objects.count() == 3
    assert bytes(ImportJob.objects.get(pk=job["id"]).content) == b""  # the upload is not kept
    # A second delivery of the effect finds the job finished and stores nothing twice.
    run_import_job(job["id"], listing_import_report)
    assert Achievement.objects.count() == 3

    # Contracts and IP assets have their own, lower threshold.
    settings.BULK_IMPORT_INLINE_MAX_ROWS = 2
    patents = [[f"一种检测方法{n}", "发明专利", make_application_number(), date(2021, 1, 5)] for n in range(3)]
    queued = post_import(staff, "/api/v1/ip-assets/import", "专利.xlsx", xlsx_bytes(PATENT_HEADERS, patents))
    assert queued.status_code == 202
    assert run_pending_effects(names=["ip.run_import"]) == 1
    assert staff.get(queued.json()["url"]).json()["report"]["created"] == IPAsset.objects.count() == 3

    # The operator's admin lists the jobs (read-only, without the uploaded bytes).
    client.force_login(admin_user)
    listed = client.get(reverse("admin:core_importjob_changelist"))
    assert listed.status_code == 200 and "大文件.xlsx" in listed.content.decode()
    assert client.get(reverse("admin:core_importjob_change", args=[job["id"]])).status_code == 200

    # Another organisation's member (and the anonymous) cannot read the job.
    assert client_for(member_of(OrganizationFactory())).get(job["url"]).status_code == 404
    assert api_client.get(job["url"]).status_code == 401


@pytest.mark.django_db
def test_a_job_with_bad_rows_fails_with_the_row_report_and_stores_nothing(client_for):
    org = OrganizationFactory()
    staff = client_for(member_of(org))
    content = xlsx_bytes(LISTING_HEADERS, listing_rows(org, 3, bad=1))
    queued = post_import(staff, "/api/v1/achievements/import", "a.xlsx", content, background=True, language="en")
    assert queued.status_code == 202
    run_pending_effects(names=["listings.run_import"])
    failed = staff.get(queued.json()["url"]).json()
    assert failed["status"] == "failed"
    report = failed["report"]
    assert (report["code"], report["status"], report["failed_rows"]) == ("import_rows_invalid", 400, 1)
    assert [(e["row"], e["column"], e["code"]) for e in report["rows"]] == [(3, "技术成熟度", "max_value")]
    assert report["rows"][0]["message"] == "TRL runs from 1 to 9."  # the language of the request that queued it
    assert not Achievement.objects.exists()


@pytest.mark.celery_worker
@pytest.mark.timeout(240)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_runs_the_job_and_reports_rows_done(client_for, settings, tmp_path: Path):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    org = OrganizationFactory()
    staff = client_for(member_of(org))
    numbers = [make_application_number() for _ in range(5)]
    content = xlsx_bytes(
        PATENT_HEADERS, [[f"一种检测方法{n}", "发明专利", no, date(2021, 1, 5)] for n, no in enumerate(numbers)]
    )
    # Hold the fourth row: another transaction has inserted its application number and not committed, so
    # the worker's insert of that row waits on the unique index after three rows are done.
    blocker = psycopg2.connect(worker_database_url())
    try:
        with blocker.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ip_ipasset (owner_id, kind, title, application_number, patent_number, "
                "publication_number, registration_number, ipc_main, ipc_codes, legal_status, external_id, office, "
                "family_id, priority_claims, created_at, updated_at) VALUES (%s, 'invention', '占位', %s, '', '', '', "
                "'', '{}', 'pending', '', 'CN', '', '[]', now(), now())",
                [org.pk, numbers[3]],
            )
        log = tmp_path / "worker.log"
        with celery_workers(queues=["celery"], name="bulk", logs=[log]):
            queued = post_import(staff, "/api/v1/ip-assets/import", "专利.xlsx", content, background=True)
            assert queued.status_code == 202
            url = queued.json()["url"]
            seen = _wait(staff, url, lambda job: job["status"] == "running" and job["done_rows"] == 3, log)
            assert (seen["total_rows"], seen["report"]) == (5, None)
            blocker.rollback()
            finished = _wait(staff, url, lambda job: job["status"] == "done", log)
        assert (finished["done_rows"], finished["report"]["created"], finished["report"]["failed_rows"]) == (5, 5, 0)
        assert set(IPAsset.objects.values_list("application_number", flat=True)) == set(numbers)
    finally:
        blocker.close()


def _wait(client, url: str, ready, log: Path) -> dict:
    deadline = time.monotonic() + WAIT_SECONDS
    job = client.get(url).json()
    while not ready(job) and time.monotonic() < deadline:
        time.sleep(0.2)
        job = client.get(url).json()
    assert ready(job), (job, log.read_text(errors="replace")[-3000:])
    return job
