"""The site's log: one line per request, errors with their tracebacks, and no personal data.

A request line carries the method, the path (never the query string: a search can
hold an ID number or a phone), the status, the time taken and the account's id.
The development server's and gunicorn's own access lines get their query strings
cut the same way, and SQLAlchemy is told to keep bound values out of its errors.
"""
from __future__ import annotations

import logging
import re
import sys
import time
from flask import Flask, g, request, session
from werkzeug.wrappers import Response

REQUEST_LOGGER = "wardens.request"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# "GET /people?q=340… HTTP/1.1" → "GET /people?… HTTP/1.1" in other servers' access lines.
_QUERY = re.compile(r"(?P<path>/[^\s?\"]*)\?[^\s\"]*")
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


def without_query(text: str) -> str:
    """The text with every URL's query string replaced by '?…'."""
    return _QUERY.sub(r"\g<path>?…", text)


class DropQueryStrings(logging.Filter):
    """Rewrite a record's message and arguments so no query string reaches a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = without_query(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(without_query(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: without_query(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


_FILTER = DropQueryStrings()


def configure_logging(app: Flask) -> None:
    """Give the site's loggers one handler (standard error) at the configured level, once per process."""
    level = app.config.get("LOG_LEVEL", "INFO")
    site = logging.getLogger("wardens")  # Flask's app.logger: unhandled errors go here with tracebacks
    site.setLevel(level)
    if not any(getattr(h, "_wardens", False) for h in site.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._wardens = True  # type: ignore[attr-defined]
        site.addHandler(handler)
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def _start_timer() -> None:
    g._request_started = time.perf_counter()


def log_request(response: Response) -> Response:
    started = g.get("_request_started")
    ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    # The id the login keeps in the session, not current_user: after the boundary's commit the
    # user object is expired, and reloading it here (after the view, sometimes after the
    # session's objects were let go under concurrent requests) raised DetachedInstanceError.
    raw = session.get("_user_id")
    user = str(raw).partition(":")[0] if raw else "-"
    logging.getLogger(REQUEST_LOGGER).info(
        "%s %s %s %.1fms user=%s", request.method, request.path, response.status_code, ms, user
    )
    return response


def init_app(app: Flask) -> None:
    configure_logging(app)
    app.before_request(_start_timer)
    app.after_request(log_request)
