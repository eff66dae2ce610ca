"""Whole ID numbers stay out of logs (ADR 0733).

A search by ID number puts it in the query string (`/search/?q=350203199001011234`), and every
request log line — runserver's `django.server`, gunicorn's access log — would keep it. The
`MaskIdNumbers` filter rewrites any 18-character ID-number-like sequence (17 digits and a digit
or X, not inside a longer run of letters or digits) in a record's message and traceback as the
product masks them everywhere else: `350203********1234`.

Use it on handlers (a handler filter sees records of every logger that reaches it):
- Django: `settings.LOGGING` (base.py) puts it on every handler, including runserver's
  `django.server` handler.
- gunicorn: `gunicorn --logconfig-dict` is not a command-line option, so pass
  `logconfig_dict = safetynet.core.logfilters.GUNICORN_LOGCONFIG_DICT` in the gunicorn config file
  (python). Its access and error handlers carry the filter; the access line format is
  gunicorn's `access_log_format` setting, untouched (`%(r)s`, `%(U)s`, `%(q)s` are all masked).
"""

from __future__ import annotations

import logging
import re

ID_NUMBER_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def mask_id_numbers(text: str) -> str:
    """`…q=350203199001011234&…` → `…q=350203********1234&…`."""
    return ID_NUMBER_LIKE.sub(r"\1********\2", text)


class MaskIdNumbers(logging.Filter):
    """Masks ID numbers in the formatted message (its args merged in) and in the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record: let the handler report it as usual
            return True
        masked = mask_id_numbers(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_id_numbers(record.exc_text)
        return True


FILTER = {"mask_id_numbers": {"()": "safetynet.core.logfilters.MaskIdNumbers"}}

# gunicorn's own defaults (glogging.CONFIG_DEFAULTS), with the filter on both handlers.
GUNICORN_LOGCONFIG_DICT = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": FILTER,
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        "gunicorn.error": {
            "level": "INFO",
            "handlers": ["error_console"],
            "propagate": False,
            "qualname": "gunicorn.error",
        },
        "gunicorn.access": {
            "level": "INFO",
            "handlers": ["console"],
            "propagate": False,
            "qualname": "gunicorn.access",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "generic",
            "filters": ["mask_id_numbers"],
            "stream": "ext://sys.stdout",
        },
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "generic",
            "filters": ["mask_id_numbers"],
            "stream": "ext://sys.stderr",
        },
    },
    "formatters": {
        "generic": {
            "format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
            "datefmt": "[%Y-%m-%d %H:%M:%S %z]",
            "class": "logging.Formatter",
        }
    },
}
