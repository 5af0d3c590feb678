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

# One request at a time per worker process (gthread, so idle keep-alive connections wait in the
# worker's poller). Measured in bench/listings on 2 cores: most of a list or search request is Python
# work, and threads of one process then take turns on the GIL, which lengthened the slowest requests
# (p99 115 ms with 4 threads, 79 ms with 1, for the same throughput). Raise GUNICORN_THREADS for
# workloads that wait on slow I/O.
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 9))
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# A worker is replaced after this many requests (a guard against slow leaks); each restart costs a
# second of CPU, so not too often: at 2,000 the benchmark saw several restarts a minute.
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2000)
# Load the app in each worker, not in the master: no database connection is shared across fork.
preload_app = False
# The heartbeat file on tmpfs: a slow disk can otherwise make healthy workers look stuck
# (gunicorn creates it with mkstemp and unlinks it at once).
_SHM = "/dev/shm"  # noqa: S108
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None

# Which proxies may set X-Forwarded-* (comma-separated addresses, or * inside a private network).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Gunicorn's maximum (its default, 4094, answered longer request lines with its own HTML 414). Django
# answers any URL over API_URL_MAX_LENGTH (4,096 bytes) with a 414 problem document
# (apps.core.limits.UrlLengthLimitMiddleware), so clients see gunicorn's page only past 8,190 bytes.
limit_request_line = 8190
# One header line (a long Authorization or Cookie) up to the same size; at most 100 header fields.
limit_request_field_size = 8190
limit_request_fields = 100

# Gunicorn's own lines and the access log in the service's log format, stamped in UTC ISO 8601 like
# every other line (marketplace/log_format.py).
logger_class = "marketplace.gunicorn_logging.GunicornLogger"
# GUNICORN_ACCESS_LOG empty: no access log (a load test measuring the servers, not their logging).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'

# Gunicorn 23+ opens a control socket in $HOME by default; nothing here uses it.
control_socket_disable = True
proc_name = "marketplace-web"


# Metrics (apps.core.metrics): with PROMETHEUS_MULTIPROC_DIR set, each worker writes its counters to files
# there and /metrics adds them up. The directory is emptied when gunicorn starts (stale files of a previous
# run would be counted again), and a dead worker's live gauges are dropped.
def on_starting(server: object) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))


def child_exit(server: object, worker: object) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
