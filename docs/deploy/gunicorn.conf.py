"""Gunicorn for ISO điện tử (``qms-web.service``, ``Procfile``): the Django WSGI application
on 127.0.0.1:8000 behind nginx, JSON logs on standard output (journald).

Tunable from the environment file (/etc/qms/qms.env): WEB_CONCURRENCY (worker processes),
GUNICORN_THREADS, GUNICORN_TIMEOUT, GUNICORN_BIND.
"""

import multiprocessing
import os

wsgi_app = "qms.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Processes: two per core and one, unless WEB_CONCURRENCY says otherwise.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
# Printed forms and registers are laid out by WeasyPrint while the user waits.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 120)
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests: WeasyPrint's memory does not grow for ever.
max_requests = 1000
max_requests_jitter = 100
# nginx on the same machine sets X-Forwarded-Proto / X-Forwarded-For.
forwarded_allow_ips = "127.0.0.1,::1"
worker_tmp_dir = "/dev/shm"
# systemd starts, reloads (HUP) and stops the server: no control socket in the home directory.
control_socket_disable = True

# Logs: one JSON object per line on stdout, like the application's own (qms.settings.prod).
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "qms.core.logformat.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
