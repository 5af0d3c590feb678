"""Each connection carries the session settings of DATABASE_SESSION_OPTIONS (real PostgreSQL)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_connections_run_without_jit_and_parallel_workers_with_room_for_bitmaps():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == "16MB"
