"""The project's Celery app with one fast schedule entry, for the beat lock test (``celery -A tests.core.beat_probe
beat``): every ``BEAT_PROBE_SECONDS`` it sends ``core.effects_sweep`` to the queue ``BEAT_PROBE_QUEUE``, which no
worker consumes, so the queue's length counts what the beats sent."""

import os

from marketplace.celery import app

app.conf.beat_schedule = {
    "beat-lock-probe": {
        "task": "core.effects_sweep",
        "schedule": float(os.environ.get("BEAT_PROBE_SECONDS", "0.3")),
        "options": {"queue": os.environ["BEAT_PROBE_QUEUE"]},
    }
}

__all__ = ["app"]
