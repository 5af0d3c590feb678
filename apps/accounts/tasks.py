from __future__ import annotations

from celery import shared_task


@shared_task(
    name="accounts.send_password_reset",
    time_limit=60,
    soft_time_limit=50,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_password_reset(*, user_id: int) -> bool:
    from apps.accounts.services import user_send_password_reset

    return user_send_password_reset(user_id=user_id)
