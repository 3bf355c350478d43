"""A login ends after the idle timeout (default 30 minutes) and after its absolute lifetime (default 12 hours)."""
from __future__ import annotations

import datetime as dt


from tests.helpers import login
from wardens.extensions import db


def _logged_in(app, make, clock):
    make.user("office", username="office1")
    db.session.commit()
    client = app.test_client()
    assert login(client, "office1").status_code == 302
    return client


def test_a_session_idle_past_the_timeout_is_logged_out(app, make, clock):
    client = _logged_in(app, make, clock)
    clock.shift(dt.timedelta(minutes=29))
    assert client.get("/").status_code == 200  # used: the idle clock starts again
    clock.shift(dt.timedelta(minutes=29))
    assert client.get("/").status_code == 200
    clock.shift(dt.timedelta(minutes=31))
    response = client.get("/people")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/people")
    assert client.get("/").status_code == 302  # really logged out, not just redirected once


def test_a_warden_on_patrol_is_not_logged_out_between_taps_but_still_at_the_lifetime(app, make, clock):
    # A patrol lasts hours between 开始巡查 and 结束巡查; the warden sees only their own record.
    person = make.person()
    make.user("warden", username="warden1", person_id=person.id)
    db.session.commit()
    client = app.test_client()
    assert login(client, "warden1").status_code == 302
    assert client.get("/me/").status_code == 200
    clock.shift(dt.timedelta(hours=3))
    assert client.get("/me/").status_code == 200
    clock.shift(dt.timedelta(hours=9, minutes=1))
    assert client.get("/me/").status_code == 302


def test_a_session_in_use_still_ends_after_its_lifetime(app, make, clock):
    client = _logged_in(app, make, clock)
    for _ in range(12 * 3):  # used every 20 minutes for twelve hours
        clock.shift(dt.timedelta(minutes=20))
        assert client.get("/").status_code == 200
    clock.shift(dt.timedelta(minutes=20))
    assert client.get("/").status_code == 302


def test_the_timeouts_are_settings(database_url, clock):
    from wardens import create_app
    from tests.conftest import Factory, _test_config
    from wardens.models import get_settings

    app = create_app({**_test_config(database_url), "SESSION_IDLE_MINUTES": 5, "SESSION_MAX_HOURS": 1})
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
        get_settings()
        Factory().user("office", username="office1")
        db.session.commit()
    client = app.test_client()
    assert login(client, "office1").status_code == 302
    clock.shift(dt.timedelta(minutes=6))
    assert client.get("/").status_code == 302
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_config_reads_the_timeouts_from_the_environment(tmp_path):
    from flask import Flask
    from wardens.config import load_config

    app = Flask(__name__, instance_path=str(tmp_path))
    default = load_config(app, {"WARDENS_ENV": "test"})
    assert (default["SESSION_IDLE_MINUTES"], default["SESSION_MAX_HOURS"]) == (30, 12)
    set_ = load_config(app, {"WARDENS_ENV": "test", "WARDENS_SESSION_IDLE_MINUTES": "10",
                             "WARDENS_SESSION_MAX_HOURS": "8"})
    assert (set_["SESSION_IDLE_MINUTES"], set_["SESSION_MAX_HOURS"]) == (10, 8)


def test_after_the_timeout_the_login_form_logs_in_again(app, make, clock):
    client = _logged_in(app, make, clock)
    clock.shift(dt.timedelta(hours=2))
    assert login(client, "office1").status_code == 302
    assert client.get("/").status_code == 200
