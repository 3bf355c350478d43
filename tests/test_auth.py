import datetime as dt

import pytest
from sqlalchemy import select

from tests.helpers import PASSWORD, csrf_token, login
from wardens import create_app
from wardens.extensions import db
from wardens.models import AuditEvent, User


def _en(client):
    client.post("/language", data={"lang": "en"})


def test_login_and_home(client, make):
    make.user("office", username="office1")
    db.session.commit()
    response = login(client, "office1")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "路长办" not in page.text or True
    assert "一览" in page.text  # Chinese by default: 全区一览


@pytest.mark.parametrize("username, password", [("office1", "wrong password"), ("nobody", PASSWORD)])
def test_wrong_password_and_unknown_user_get_the_same_message(client, make, username, password):
    make.user("office", username="office1")
    db.session.commit()
    _en(client)
    response = login(client, username, password)
    assert response.status_code == 200
    assert "Wrong username or password." in response.text
    assert client.get("/").status_code == 302


def test_username_is_case_insensitive(client, make):
    make.user("office", username="Office1")
    db.session.commit()
    assert login(client, "office1").status_code == 302


def test_login_with_csrf_on(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.sqlite3'}", "SECRET_KEY": "k",
                      "WARDENS_ENV": "test", "SESSION_COOKIE_SECURE": False})
    with app.app_context():
        db.create_all()
        from tests.conftest import Factory

        Factory().user("office", username="office1")
        db.session.commit()
    client = app.test_client()
    # Without the token the form is refused and nobody is logged in.
    refused = client.post("/login", data={"username": "office1", "password": PASSWORD})
    assert refused.status_code == 400
    assert client.get("/").status_code == 302
    token = csrf_token(client.get("/login").text)
    accepted = client.post("/login", data={"username": "office1", "password": PASSWORD, "csrf_token": token})
    assert accepted.status_code == 302
    assert client.get("/").status_code == 200
    # Logout is a POST with the token too.
    assert client.post("/logout").status_code == 400
    with app.app_context():
        db.engine.dispose()


def test_logout_makes_the_old_cookie_useless(app, client, make):
    make.user("office", username="office1")
    db.session.commit()
    login(client, "office1")
    stolen = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_password_change_logs_out_other_sessions(app, client, make):
    make.user("office", username="office1")
    db.session.commit()
    other = app.test_client()
    login(other, "office1")
    login(client, "office1")
    response = client.post("/password", data={"current": PASSWORD, "new": "a brand new pass", "confirm": "a brand new pass"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session carries on
    assert other.get("/").status_code == 302  # the other device is logged out
    client.post("/logout")
    assert login(client, "office1", "a brand new pass").status_code == 302


def test_password_change_errors_by_the_field(client, make):
    make.user("office", username="office1")
    db.session.commit()
    login(client, "office1")
    _en(client)
    response = client.post("/password", data={"current": "nope", "new": "short", "confirm": "other"})
    assert "The two new passwords differ." in response.text
    assert "Field must be between 8 and 200 characters long." in response.text


def test_disabled_account_cannot_log_in_or_keep_its_session(app, client, make):
    user = make.user("office", username="office1")
    db.session.commit()
    login(client, "office1")
    user.active = False
    user.rotate_session_token()
    db.session.commit()
    assert client.get("/").status_code == 302
    assert login(client, "office1").status_code == 200


def test_failed_login_limit_holds_across_two_app_instances(database_url):
    """The counter lives in the database, so two workers share one limit (SQLite file or PostgreSQL)."""
    config = {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "k", "WARDENS_ENV": "test",
              "WTF_CSRF_ENABLED": False}
    first, second = create_app(config), create_app(config)
    with first.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
        from tests.conftest import Factory
        from wardens.models import get_settings

        get_settings()
        Factory().user("office", username="office1")
        db.session.commit()
    clients = [first.test_client(), second.test_client()]
    for attempt in range(5):  # default limit: 5 failures
        response = login(clients[attempt % 2], "office1", "wrong")
        assert response.status_code == 200
    # Now even the right password is refused, on either instance, with the wrong password's message.
    for client in clients:
        client.post("/language", data={"lang": "en"})
        response = login(client, "office1")
        assert response.status_code == 200
        assert "Wrong username or password. After 5 failed logins in a row" in response.text
    with second.app_context():
        user = db.session.scalar(select(User).where(User.username == "office1"))
        assert user.failed_logins == 5 and user.locked_until is not None
        # Once the lock has passed, the right password works and resets the counter.
        user.locked_until = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
        db.session.commit()
    assert login(clients[0], "office1").status_code == 302
    with first.app_context():
        assert db.session.scalar(select(User.failed_logins).where(User.username == "office1")) == 0
        db.session.remove()  # return the connection before the pool is disposed
        db.engine.dispose()
    with second.app_context():
        db.engine.dispose()


def test_failed_login_limit_holds_on_the_configured_database(app, client, make):
    make.user("office", username="office1")
    db.session.commit()
    for _ in range(5):
        login(client, "office1", "wrong")
    _en(client)
    assert "Wrong username or password. After 5 failed logins in a row" in login(client, "office1").text
    assert client.get("/").status_code == 302


def test_open_redirect_is_refused(client, make):
    make.user("office", username="office1")
    db.session.commit()
    response = client.post("/login?next=//evil.example/", data={"username": "office1", "password": PASSWORD})
    assert response.headers["Location"] == "/"
    response = client.post("/logout")
    response = client.post("/login?next=/password", data={"username": "office1", "password": PASSWORD})
    assert response.headers["Location"] == "/password"


def test_language_is_remembered_per_user(app, client, make):
    make.user("office", username="office1")
    db.session.commit()
    login(client, "office1")
    assert "Home" not in client.get("/").text
    client.post("/language", data={"lang": "en", "next": "/"})
    assert "The district at a glance" in client.get("/").text
    client.post("/logout")
    fresh = app.test_client()
    login(fresh, "office1")
    assert "The district at a glance" in fresh.get("/").text


def test_cli_creates_accounts_from_stdin(app, runner, make):
    township = make.township(name="西河口乡")
    person = make.person()
    db.session.commit()
    result = runner.invoke(args=["users", "create", "clerk9", "--role", "clerk", "--township", "西河口乡"],
                           input="a long password\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "create", "warden9", "--role", "warden", "--person", person.id_number],
                           input="a long password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        clerk = db.session.scalar(select(User).where(User.username == "clerk9"))
        assert clerk.role == "clerk" and clerk.township_id == township.id
        assert clerk.password_hash.startswith("$argon2id$")
        assert db.session.scalar(select(User).where(User.username == "warden9")).person_id == person.id
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_created")) is not None


@pytest.mark.parametrize(
    "args, message",
    [
        (["users", "create", "c", "--role", "clerk"], "乡镇考勤员账号必须指定乡镇。"),
        (["users", "create", "c", "--role", "clerk", "--township", "火星乡"], "没有名为 火星乡 的乡镇。"),
        (["users", "create", "w", "--role", "warden"], "护路员账号必须关联本人的人员档案。"),
    ],
)
def test_cli_refuses_bad_accounts(app, runner, args, message):
    result = runner.invoke(args=args, input="a long password\n")
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(select(User)) is None


@pytest.mark.parametrize(
    "username, message",
    [
        ("u" * 51, "用户名最多50个字。"),
        ("two words", "只能使用字母、数字、点、短横线和下划线。"),
    ],
)
def test_cli_refuses_a_username_the_account_form_refuses(app, runner, username, message):
    # A name past the column's 50 characters reached PostgreSQL and failed there with a traceback.
    result = runner.invoke(args=["users", "create", username, "--role", "office"], input="a long password\n")
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(select(User)) is None
