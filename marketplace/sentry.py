"""Error tracking through Sentry's SDK, switched on by ``SENTRY_DSN`` (marketplace/settings.py).

Django (unhandled view exceptions, with the request's route and id) and Celery (task failures in the
worker) are reported; personal data is not (``send_default_pii=False``: Sentry drops cookies, the
Authorization header, the user's name and address). Any service speaking Sentry's envelope protocol
at the DSN's address works (Sentry itself, GlitchTip, a self-hosted relay).
"""

from __future__ import annotations


def init_sentry(*, dsn: str, environment: str, release: str | None, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        # Request bodies may hold personal data (names, phone numbers in contracts): never sent.
        max_request_body_size="never",
    )
