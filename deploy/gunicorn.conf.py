"""Gunicorn settings for production: ``gunicorn -c deploy/gunicorn.conf.py`` (see deploy/README.md).

Every value can be changed from the environment; the defaults suit one container behind a reverse
proxy that terminates TLS and sets X-Forwarded-Proto.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


wsgi_app = "marketplace.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")

# Sync workers with a few threads each: the API is I/O-bound on PostgreSQL and Redis.
workers = _int("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 9))
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so slow leaks cannot grow without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Load the app in each worker, not in the master: no database connection is shared across fork.
preload_app = False
# The heartbeat file on tmpfs: a slow disk can otherwise make healthy workers look stuck
# (gunicorn creates it with mkstemp and unlinks it at once).
_SHM = "/dev/shm"  # noqa: S108
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None

# Which proxies may set X-Forwarded-* (comma-separated addresses, or * inside a private network).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
limit_request_line = 8190
limit_request_field_size = 8190

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'

# Gunicorn 23+ opens a control socket in $HOME by default; nothing here uses it.
control_socket_disable = True
proc_name = "marketplace-web"
