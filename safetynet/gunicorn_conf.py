"""gunicorn settings for production (`scripts/serve-prod.sh`; docs/deploy.md). Every value can be
changed from the environment; gunicorn's own command-line options still win.

The access log records the path without its query string (`%(U)s`): searches put whole ID
numbers in `?q=`, and those must never reach a log. Keep that if you change the format. Where
issue 7 §3's logging filter exists (`safetynet.core.logfilters`, ADR 0733) it masks ID numbers in
both of gunicorn's logs as well.
"""

import copy
import os

bind = os.environ.get("SAFETYNET_BIND", "127.0.0.1:8000")
# Threads share one process's memory; the work is mostly database waits.
worker_class = "gthread"
workers = int(os.environ.get("SAFETYNET_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
threads = int(os.environ.get("SAFETYNET_THREADS", "4"))
# An Excel export of a whole district takes seconds, not minutes.
timeout = int(os.environ.get("SAFETYNET_WORKER_TIMEOUT", "120"))
graceful_timeout = 30
# Longer than any pause of a kept-alive client, so that gunicorn never closes a connection just as
# the client sends its next request on it (the client would see "connection reset").
keepalive = int(os.environ.get("SAFETYNET_KEEPALIVE", "75"))
# Recycle workers now and then (bounded memory growth), not all at once.
max_requests = 5000
max_requests_jitter = 500
# Only the reverse proxy on this machine may set X-Forwarded-Proto / -For for gunicorn.
forwarded_allow_ips = os.environ.get("SAFETYNET_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("SAFETYNET_ACCESS_LOG", "-")
errorlog = "-"
# Path without the query string; request time in milliseconds.
access_log_format = os.environ.get(
    "SAFETYNET_ACCESS_LOG_FORMAT", '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
)
wsgi_app = "safetynet.wsgi:application"

# ID numbers masked in gunicorn's own logs too (issue 7 §3), keeping the access log's destination.
try:
    from safetynet.core.logfilters import GUNICORN_LOGCONFIG_DICT
except ImportError:  # a tree without that section's filter: the path-only format above suffices
    GUNICORN_LOGCONFIG_DICT = None
if GUNICORN_LOGCONFIG_DICT:
    logconfig_dict = copy.deepcopy(GUNICORN_LOGCONFIG_DICT)
    if accesslog and accesslog != "-":
        access_handler = logconfig_dict["loggers"]["gunicorn.access"]["handlers"][0]
        handler = logconfig_dict["handlers"][access_handler] = {
            **logconfig_dict["handlers"][access_handler],
            "class": "logging.FileHandler",
            "filename": accesslog,
        }
        handler.pop("stream", None)
