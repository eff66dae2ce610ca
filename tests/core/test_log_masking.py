"""Whole ID numbers never reach a log line: runserver's request log, Django's request log and
gunicorn's access log are masked (ADR 0733)."""

import copy
import http.client
import io
import logging
import logging.config
import threading

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

from safetynet.core.logfilters import GUNICORN_LOGCONFIG_DICT, MaskIdNumbers, mask_id_numbers

ID = "350203199001011234"
ID_X = "35020319900101123X"
MASKED = "350203********1234"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"GET /search/?q={ID} HTTP/1.1", f"GET /search/?q={MASKED} HTTP/1.1"),
        (f"q={ID_X.lower()}&page=2", "q=350203********123x&page=2"),
        (f"/persons/{ID}/ and {ID_X}", f"/persons/{MASKED}/ and 350203********123X"),
        ("order 12345678901234567890", "order 12345678901234567890"),  # a longer number: kept
        ("q=3502031990", "q=3502031990"),  # a prefix: kept
    ],
)
def test_mask_id_numbers(text, expected):
    assert mask_id_numbers(text) == expected


def capture(logger_name: str):
    """Swap the stream of every handler of `logger_name` (as settings.LOGGING configured them)
    for a buffer; returns the buffer and a function restoring the streams."""
    handlers = [
        h
        for h in logging.getLogger(logger_name).handlers
        if not type(h).__module__.startswith("_pytest")  # pytest's own capture
    ]
    assert handlers and all(
        any(isinstance(f, MaskIdNumbers) for f in h.filters) for h in handlers
    ), f"{logger_name} has a handler without the ID-number mask"
    buf = io.StringIO()
    old = [h.setStream(buf) for h in handlers]
    return buf, lambda: [h.setStream(s) for h, s in zip(handlers, old, strict=True)]


def test_the_runserver_request_log_masks_an_id_number_in_the_query():
    """A real request to runserver's server and request handler (the `django.server` log)."""
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.handle_request, daemon=True)
    buf, restore = capture("django.server")
    try:
        thread.start()
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        conn.request("GET", f"/search/?q={ID}")  # anonymous: a redirect to the login page
        assert conn.getresponse().status == 302
        conn.close()
        thread.join(10)
    finally:
        restore()
        server.server_close()
    line = buf.getvalue()
    assert f"/search/?q={MASKED}" in line and "302" in line
    assert ID not in line


def test_django_request_log_masks_an_id_number_in_the_path(client):
    buf, restore = capture("django")
    try:
        assert client.get(f"/media/{ID}.pdf").status_code == 404
    finally:
        restore()
    assert f"Not Found: /media/{MASKED}.pdf" in buf.getvalue()
    assert ID not in buf.getvalue()


def test_a_traceback_is_masked():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed for %s", (ID,), None)
    try:
        raise ValueError(f"unknown {ID}")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    MaskIdNumbers().filter(record)
    text = logging.Formatter().format(record)
    assert MASKED in text and ID not in text


def test_the_gunicorn_access_log_config_masks_the_request_line(capsys):
    """gunicorn logs each request as `access_log.info(access_log_format, atoms)`; with
    `logconfig_dict = GUNICORN_LOGCONFIG_DICT` its handlers mask the line."""
    config = copy.deepcopy(GUNICORN_LOGCONFIG_DICT)
    del config["root"]  # leave the test process's root logger alone
    names = list(config["loggers"])
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).propagate) for n in names}
    try:
        logging.config.dictConfig(config)
        access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
        atoms = {
            "h": "127.0.0.1",
            "l": "-",
            "u": "-",
            "t": "[30/Nov/2026:20:00:00 +0000]",
            "r": f"GET /search/?q={ID} HTTP/1.1",
            "s": "200",
            "b": "512",
            "f": f"http://127.0.0.1/persons/?q={ID_X}",
            "a": "curl",
        }
        logging.getLogger("gunicorn.access").info(access_log_format, atoms)
        logging.getLogger("gunicorn.error").error("worker failed on %s", ID)
    finally:
        for n, (handlers, propagate) in saved.items():
            logger = logging.getLogger(n)
            logger.handlers[:] = handlers
            logger.propagate = propagate
    out, err = capsys.readouterr()
    assert f'"GET /search/?q={MASKED} HTTP/1.1" 200' in out
    assert "350203********123X" in out
    assert MASKED in err
    assert ID not in out + err and ID_X not in out
