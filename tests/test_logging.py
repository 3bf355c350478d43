"""The log: one line per request without query strings, errors with tracebacks, no personal data."""
from __future__ import annotations

import logging

import pytest
from flask import Blueprint

from wardens.access import public
from wardens.extensions import db
from wardens.logs import DropQueryStrings, without_query


def test_one_line_per_request_with_method_path_status_time_and_user(app, make, sign_in, caplog):
    person = make.person(id_number="341503197001020011", phone="13912345678")
    office = make.user("office")
    db.session.commit()
    client = sign_in(office)
    with caplog.at_level(logging.INFO, logger="wardens.request"):
        assert client.get(f"/people?q={person.id_number}&township=1").status_code == 200
        assert client.get(f"/people?q={person.phone}").status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "wardens.request"]
    assert len(lines) == 2
    assert lines[0].startswith("GET /people 200 ") and lines[0].endswith(f" user={office.id}")
    assert "ms user=" in lines[0]
    text = caplog.text
    assert person.id_number not in text and person.phone not in text and "?" not in "".join(lines)


def test_an_error_is_logged_with_its_traceback(app, caplog):
    bp = Blueprint("boom", __name__)

    @bp.route("/boom")
    @public
    def boom():
        raise RuntimeError("the view broke")

    app.register_blueprint(bp)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.INFO):
        response = app.test_client().get("/boom?id=341503197001020011")
    assert response.status_code == 500
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and errors[0].exc_info is not None and "RuntimeError: the view broke" in caplog.text
    assert any(r.getMessage().startswith("GET /boom 500 ") for r in caplog.records if r.name == "wardens.request")
    assert "341503197001020011" not in caplog.text


@pytest.mark.parametrize("line, expected", [
    ('127.0.0.1 - - "GET /people?q=341503197001020011 HTTP/1.1" 200 -',
     '127.0.0.1 - - "GET /people?… HTTP/1.1" 200 -'),
    ('"GET /login HTTP/1.1" 200', '"GET /login HTTP/1.1" 200'),
])
def test_other_servers_access_lines_lose_their_query_strings(line, expected):
    assert without_query(line) == expected
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, "%s %s", (line, 200), None)
    DropQueryStrings().filter(record)
    assert record.getMessage() == f"{expected} 200"


def test_the_werkzeug_and_gunicorn_loggers_carry_the_filter(app):
    for name in ("werkzeug", "gunicorn.access"):
        assert any(isinstance(f, DropQueryStrings) for f in logging.getLogger(name).filters)


def test_database_errors_keep_bound_values_out_of_their_text(app_ctx):
    from sqlalchemy import text
    with pytest.raises(Exception) as caught:
        db.session.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": "341503197001020011"})
    db.session.rollback()
    assert "341503197001020011" not in str(caught.value)
