"""Accounts administration: create each role, refuse bad input by the field, disable, reset, unlock."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from tests.conftest import _test_config
from tests.helpers import PASSWORD, csrf_token, login
from wardens import create_app
from wardens.auth.passwords import verify_password
from wardens.extensions import db
from wardens.models import AuditEvent, User

NEW_PASSWORD = "a new long password"


def end_snapshot() -> None:
    """End the test's read transaction so it sees what the requests committed (SQLite WAL keeps a snapshot)."""
    db.session.rollback()


def _errors(html: str) -> list[str]:
    return re.findall(r'<p class="error" id="([a-z_]+)-error">([^<]*)</p>', html)


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.fixture
def admin(make, app):  # type: ignore[no-untyped-def]
    user = make.user("admin", username="boss", last_login_at=dt.datetime.now(dt.timezone.utc))
    db.session.commit()
    return user


@pytest.fixture
def admin_client(sign_in, admin):  # type: ignore[no-untyped-def]
    client = sign_in(admin)
    assert client.get("/admin/users").status_code == 200
    return client


def _create(client, **fields):  # type: ignore[no-untyped-def]
    data = {"username": "newbie", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "role": "office",
            "township_id": "", "id_number": "", "display_name": ""}
    data.update(fields)
    return client.post("/admin/users/new", data=data)


def test_list_shows_accounts_with_role_scope_state_and_last_login(admin_client, make):  # type: ignore[no-untyped-def]
    town = make.township(name="西河口乡")
    make.user("clerk", username="clerk1", township_id=town.id)
    person = make.person(name="王五")
    make.user("warden", username="ww", person_id=person.id, active=False)
    make.user("office", username="locked1", failed_logins=5,
              locked_until=dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=10))
    db.session.commit()
    html = admin_client.get("/admin/users").get_data(as_text=True)
    row = lambda name: re.search(rf'<tr data-username="{name}">(.*?)</tr>', html, re.S).group(1)  # noqa: E731
    assert "乡镇考勤员" in row("clerk1") and "西河口乡" in row("clerk1")
    assert "王五" in row("ww") and "已停用" in row("ww")
    assert "已锁定" in row("locked1")
    assert "从未" in row("locked1")
    assert "boss" in html  # the admin's own login is listed with a time
    assert "从未" not in row("boss")


def test_list_filters_by_role(admin_client, make):  # type: ignore[no-untyped-def]
    make.user("office", username="office9")
    db.session.commit()
    html = admin_client.get("/admin/users?role=office").get_data(as_text=True)
    assert 'data-username="office9"' in html and 'data-username="boss"' not in html


@pytest.mark.parametrize("role", ["admin", "office"])
def test_create_district_roles(admin_client, app_ctx, role):  # type: ignore[no-untyped-def]
    response = _create(admin_client, username=f"new_{role}", role=role, display_name="新同事")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    user = db.session.scalar(select(User).where(User.username == f"new_{role}"))
    assert user.role == role and user.display_name == "新同事"
    assert user.township_id is None and user.person_id is None
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert _audit("user_created")[-1].entity_id == user.id


def test_create_clerk_with_township(admin_client, make):  # type: ignore[no-untyped-def]
    town = make.township(name="新安镇")
    db.session.commit()
    assert _create(admin_client, username="clerk_x", role="clerk", township_id=str(town.id)).status_code == 302
    end_snapshot()
    user = db.session.scalar(select(User).where(User.username == "clerk_x"))
    assert user.role == "clerk" and user.township_id == town.id


def test_create_warden_by_normalised_id_number(admin_client, make):  # type: ignore[no-untyped-def]
    person = make.person(name="赵六", id_number="11010519491231002X")
    db.session.commit()
    # Full-width digits, a lower-case x and spaces around it are the same number.
    typed = " １１０１０５１９４９１２３１００２x "
    assert _create(admin_client, username="zhao", role="warden", id_number=typed).status_code == 302
    end_snapshot()
    user = db.session.scalar(select(User).where(User.username == "zhao"))
    assert user.role == "warden" and user.person_id == person.id and user.township_id is None


def test_new_account_can_log_in(admin_client, app):  # type: ignore[no-untyped-def]
    _create(admin_client, username="fresh", role="office")
    other = app.test_client()
    assert login(other, "fresh", NEW_PASSWORD).headers["Location"] == "/"


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"username": ""}, "username", "该字段是必填字段。"),
        ({"username": "has space"}, "username", "用户名只能使用字母、数字、点、短横线和下划线。"),
        ({"username": "BOSS"}, "username", "此用户名已被使用。"),
        ({"password": "short", "confirm": "short"}, "password", "密码至少需要 8 个字符。"),
        ({"confirm": "something else"}, "confirm", "两次输入的密码不一致。"),
        ({"role": "clerk"}, "township_id", "乡镇考勤员账号必须指定乡镇。"),
        ({"role": "warden"}, "id_number", "护路员账号需要填写其身份证号。"),
        ({"role": "warden", "id_number": "1101051949123100"}, "id_number", "身份证号应为 18 位，此号码为 16 位。"),
        ({"role": "warden", "id_number": "110105194912310021"}, "id_number", "身份证号校验不通过：很可能有一位数字录错了，请对照身份证或户口簿核对原号码。"),
        ({"role": "warden", "id_number": "440524188001010014"}, "id_number",
         "登记册中没有身份证号为 440524188001010014 的人员。"),
        ({"role": "root"}, "role", "不是有效的选择。"),
    ],
)
def test_create_refuses_bad_input_by_the_field(admin_client, app_ctx, fields, field, message):  # type: ignore[no-untyped-def]
    before = db.session.scalar(select(db.func.count()).select_from(User))
    response = _create(admin_client, **fields)
    assert response.status_code == 200
    assert (field, message) in _errors(response.get_data(as_text=True))
    assert db.session.scalar(select(db.func.count()).select_from(User)) == before


def test_create_warden_refuses_a_person_who_has_an_account(admin_client, make):  # type: ignore[no-untyped-def]
    person = make.person()
    make.user("warden", username="first", person_id=person.id)
    db.session.commit()
    response = _create(admin_client, username="second", role="warden", id_number=person.id_number)
    end_snapshot()
    assert ("id_number", "此人已有账号（first）。") in _errors(response.get_data(as_text=True))
    assert db.session.scalar(select(User).where(User.username == "second")) is None


def test_edit_role_township_person_and_display_name(admin_client, make):  # type: ignore[no-untyped-def]
    town = make.township()
    person = make.person()
    user = make.user("office", username="mover")
    db.session.commit()
    response = admin_client.post(f"/admin/users/{user.id}", data={
        "role": "clerk", "township_id": str(town.id), "id_number": "", "display_name": "小李"})
    assert response.status_code == 302
    end_snapshot()
    assert (user.role, user.township_id, user.display_name) == ("clerk", town.id, "小李")
    event = _audit("user_updated")[-1]
    assert event.before["role"] == "office" and event.after["role"] == "clerk"
    assert event.after["township_id"] == town.id

    admin_client.post(f"/admin/users/{user.id}", data={
        "role": "warden", "township_id": str(town.id), "id_number": person.id_number, "display_name": "小李"})
    end_snapshot()
    # The township belongs to clerks only; a warden account is tied to its person.
    assert (user.role, user.township_id, user.person_id) == ("warden", None, person.id)


def test_edit_shows_current_values(admin_client, make):  # type: ignore[no-untyped-def]
    person = make.person()
    user = make.user("warden", person_id=person.id)
    db.session.commit()
    html = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert f'value="{person.id_number}"' in html
    assert '<option selected value="warden">' in html


def test_edit_refuses_to_demote_yourself(admin_client, admin):  # type: ignore[no-untyped-def]
    response = admin_client.post(f"/admin/users/{admin.id}", data={
        "role": "office", "township_id": "", "id_number": "", "display_name": ""})
    assert ("role", "不能取消自己账号的管理员角色。") in _errors(response.get_data(as_text=True))
    end_snapshot()
    assert admin.role == "admin"


def test_edit_unknown_account_is_404(admin_client):  # type: ignore[no-untyped-def]
    assert admin_client.get("/admin/users/999").status_code == 404
    assert admin_client.get("/admin/users/abc").status_code == 404


def test_disabling_makes_an_old_session_cookie_useless(app, admin_client, make):  # type: ignore[no-untyped-def]
    victim = make.user("office", username="victim")
    db.session.commit()
    victim_client = app.test_client()
    login(victim_client, "victim")  # through the real form: the cookie is what a browser holds
    assert victim_client.get("/").status_code == 200

    response = admin_client.post(f"/admin/users/{victim.id}/disable")
    assert response.status_code == 302
    end_snapshot()
    assert victim.active is False
    assert _audit("user_disabled")[-1].entity_id == victim.id

    # The victim's very next request, with the cookie they already hold, is sent to log in.
    response = victim_client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert login(victim_client, "victim").status_code == 200  # and cannot log in again


def test_enable_lets_the_account_in_again(app, admin_client, make):  # type: ignore[no-untyped-def]
    user = make.user("office", username="sleeper", active=False)
    db.session.commit()
    admin_client.post(f"/admin/users/{user.id}/enable")
    end_snapshot()
    assert user.active is True and _audit("user_enabled")[-1].entity_id == user.id
    assert login(app.test_client(), "sleeper").headers["Location"] == "/"


def test_cannot_disable_yourself(admin_client, admin):  # type: ignore[no-untyped-def]
    response = admin_client.post(f"/admin/users/{admin.id}/disable", follow_redirects=True)
    assert "不能停用自己的账号。" in response.get_data(as_text=True)
    end_snapshot()
    assert admin.active is True and not _audit("user_disabled")


def test_reset_password_rotates_the_token_and_unlocks(app, admin_client, make):  # type: ignore[no-untyped-def]
    user = make.user("clerk", username="forgetful")
    db.session.commit()
    their_client = app.test_client()
    login(their_client, "forgetful")
    user.failed_logins = 5
    user.locked_until = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=15)
    db.session.commit()

    response = admin_client.post(f"/admin/users/{user.id}/password",
                                 data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    end_snapshot()
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert user.failed_logins == 0 and user.locked_until is None
    assert _audit("user_password_reset")[-1].entity_id == user.id
    assert their_client.get("/").headers["Location"].startswith("/login")
    assert login(app.test_client(), "forgetful", NEW_PASSWORD).headers["Location"] == "/"


def test_reset_password_refuses_a_short_one(admin_client, make):  # type: ignore[no-untyped-def]
    user = make.user("office")
    db.session.commit()
    old_hash = user.password_hash
    response = admin_client.post(f"/admin/users/{user.id}/password", data={"password": "short", "confirm": "short"})
    assert ("password", "密码至少需要 8 个字符。") in _errors(response.get_data(as_text=True))
    end_snapshot()
    assert user.password_hash == old_hash


def test_unlock_clears_the_counter(app, admin_client, make):  # type: ignore[no-untyped-def]
    user = make.user("office", username="guesser", failed_logins=5,
                     locked_until=dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=15))
    db.session.commit()
    assert login(app.test_client(), "guesser").status_code == 200  # locked: the right password fails
    admin_client.post(f"/admin/users/{user.id}/unlock")
    end_snapshot()
    assert user.failed_logins == 0 and user.locked_until is None
    assert _audit("user_unlocked")[-1].before["failed_logins"] == 5
    assert login(app.test_client(), "guesser").headers["Location"] == "/"


@pytest.mark.parametrize("role", ["office", "clerk", "warden"])
def test_only_admins_reach_the_admin_pages(sign_in, make, role):  # type: ignore[no-untyped-def]
    user = make.user(role)
    target = make.user("office")
    db.session.commit()
    client = sign_in(user)
    for url in ("/admin/users", "/admin/users/new", f"/admin/users/{target.id}", "/admin/settings",
                f"/admin/users/{target.id}/password"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/admin/users/{target.id}/disable").status_code == 403
    end_snapshot()
    assert target.active is True


def test_create_with_csrf_on(database_url, app):  # type: ignore[no-untyped-def]
    # The `app` fixture prepared the database; this app checks CSRF like production does.
    config = _test_config(database_url) | {"WTF_CSRF_ENABLED": True}
    csrf_app = create_app(config)
    with csrf_app.app_context():
        from tests.conftest import _password_hash

        db.session.add(User(username="boss", password_hash=_password_hash(), role="admin"))
        db.session.commit()
    client = csrf_app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf_token": token})
    data = {"username": "viacsrf", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "role": "office",
            "township_id": "", "id_number": ""}

    assert client.post("/admin/users/new", data=data).status_code == 400  # no token: refused
    token = csrf_token(client.get("/admin/users/new").get_data(as_text=True))
    assert client.post("/admin/users/new", data=data | {"csrf_token": token}).status_code == 302
    with csrf_app.app_context():
        assert db.session.scalar(select(User).where(User.username == "viacsrf")) is not None
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("q, listed, not_listed", [
    ("_", "a_b", "axb"),  # '_' is a character typed, not LIKE's any-one-character
    ("%", "pct", "axb"),  # nor '%' any text
    ("\\", "bs", "axb"),  # a backslash is text on PostgreSQL too, where LIKE took it for its escape
])
def test_list_search_takes_the_text_as_typed(admin_client, make, q, listed, not_listed):  # type: ignore[no-untyped-def]
    make.user("office", username="a_b")
    make.user("office", username="axb")
    make.user("office", username="pct", display_name="路长办 100%")
    make.user("office", username="bs", display_name="路\\长")
    db.session.commit()
    html = admin_client.get("/admin/users", query_string={"q": q}).get_data(as_text=True)
    assert f'data-username="{listed}"' in html and f'data-username="{not_listed}"' not in html


def test_a_username_taken_between_the_form_check_and_the_save_is_shown_by_the_field(admin_client, monkeypatch):  # type: ignore[no-untyped-def]
    # The form checks the name is free; another admin can still take it before the save.
    from wardens.admin import routes
    from wardens.auth.operations import AccountError

    def taken(*args, **kwargs):  # type: ignore[no-untyped-def]
        db.session.add(AuditEvent(action="half_done", entity_type="user"))  # must be rolled back with the refusal
        raise AccountError("用户名 newbie 已被占用。")

    monkeypatch.setattr(routes, "create_account", taken)
    response = _create(admin_client)
    assert response.status_code == 200
    assert ("username", "用户名 newbie 已被占用。") in _errors(response.get_data(as_text=True))
    end_snapshot()
    assert _audit("half_done") == []
    assert db.session.scalar(select(User).where(User.username == "newbie")) is None
