"""gunicorn settings, sized from the CPUs this process may use (override with the env vars).

Each worker process serves ``threads`` requests at a time and keeps up to that many database
connections open (CONN_MAX_AGE), so one instance holds at most workers × threads connections:
(2 × CPUs + 1) × 2, e.g. 10 on two CPUs. Keep the total over all instances below PostgreSQL's
max_connections (100 by default).
"""

import os


def usable_cpus() -> int:
    """CPUs this process may run on (a container's CPU set, not the whole host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS") or usable_cpus() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 2)
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs as JSON lines on stderr, like the app's (cooperation/logging.py), times in UTC.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": {"()": "cooperation.logging.StructuredFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "structured",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
