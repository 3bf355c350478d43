"""The one commit boundary (wardens.views) and the one refusal type (wardens.errors)."""
from __future__ import annotations

from typing import Any

import pytest
from flask import flash, render_template_string
from sqlalchemy import select
from wtforms import StringField

from wardens.access import public
from wardens.errors import BadInput, Refusal
from wardens.extensions import db
from wardens.forms import Form
from wardens.models import Township


class NameForm(Form):
    name = StringField("name")


PAGE = "{% for m in get_flashed_messages() %}<p class=flash>{{ m }}</p>{% endfor %}" \
       "<form>{{ form.name() }}{% for e in form.name.errors %}<span class=err>{{ e }}</span>{% endfor %}</form>"


@pytest.fixture
def site(app: Any) -> Any:
    """Test views on the real site (its boundary, error pages, flashes), added before any request."""
    calls: list[str] = []

    @public
    def form_view() -> Any:
        calls.append("form")
        form = NameForm()
        if form.validate_on_submit():
            db.session.add(Township(name=form.name.data))
            db.session.flush()
            if form.name.data == "taken":
                raise Refusal("That name is taken.", field="name")
            if form.name.data == "whole":
                raise Refusal("Not this week.")
            return "saved"
        return render_template_string(PAGE, form=form)

    @public
    def action_view() -> Any:
        db.session.add(Township(name="from an action"))
        db.session.flush()
        raise BadInput("The action is refused.")

    @public
    def saving_view() -> Any:
        db.session.add(Township(name="kept"))
        flash("Saved.", "success")
        return "ok"

    @public
    def failing_view() -> Any:
        db.session.add(Township(name="lost"))
        db.session.flush()
        raise RuntimeError("a bug")

    app.add_url_rule("/t/form", view_func=form_view, methods=["GET", "POST"])
    app.add_url_rule("/t/action", view_func=action_view, methods=["GET", "POST"])
    app.add_url_rule("/t/save", view_func=saving_view, methods=["POST"])
    app.add_url_rule("/t/fail", view_func=failing_view, methods=["POST"])
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.calls = calls
    return app


def townships(app: Any) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Township.name).order_by(Township.name)))


def test_a_view_that_returns_is_committed_once_without_committing_itself(site):
    resp = site.test_client().post("/t/save")
    assert resp.status_code == 200
    assert townships(site) == ["kept"]


def test_a_view_that_fails_is_rolled_back(site):
    resp = site.test_client().post("/t/fail")
    assert resp.status_code == 500
    assert townships(site) == []


def test_a_refusal_with_a_field_is_shown_by_that_field_and_nothing_is_kept(site):
    resp = site.test_client().post("/t/form", data={"name": "taken"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert '<span class=err>That name is taken.</span>' in html
    assert 'value="taken"' in html  # what the person typed stays in the field
    assert townships(site) == []
    assert site.calls == ["form", "form"]  # run again to re-render, and only once again


def test_a_refusal_the_form_has_no_field_for_is_flashed_above_the_form(site):
    resp = site.test_client().post("/t/form", data={"name": "whole"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<p class=flash>Not this week.</p>" in html
    assert "class=err" not in html
    assert townships(site) == []


def test_an_accepted_form_is_committed(site):
    resp = site.test_client().post("/t/form", data={"name": "新乡"})
    assert resp.get_data(as_text=True) == "saved"
    assert townships(site) == ["新乡"]
    assert site.calls == ["form"]


def test_a_refused_action_goes_back_to_the_page_it_came_from_with_the_message(site):
    client = site.test_client()
    resp = client.post("/t/action", headers={"Referer": "http://localhost/t/form?x=1"})
    assert resp.status_code == 303
    assert resp.headers["Location"] == "http://localhost/t/form?x=1"
    assert townships(site) == []
    page = client.get("/t/form").get_data(as_text=True)
    assert "<p class=flash>The action is refused.</p>" in page


def test_a_refusal_with_nowhere_to_go_back_is_the_error_page_with_its_status(site):
    client = site.test_client()
    outside = client.post("/t/action", headers={"Referer": "http://elsewhere.example/page"})
    assert outside.status_code == 422
    assert "The action is refused." in outside.get_data(as_text=True)
    read = client.get("/t/action")
    assert read.status_code == 422
    assert townships(site) == []


def test_refusals_carry_message_field_and_status():
    plain = Refusal("No.", field="code")
    assert (plain.message, plain.messages, plain.field, plain.status, str(plain)) == ("No.", ["No."], "code", 409, "No.")
    assert Refusal("No.", status=403).status == 403
    assert BadInput("Typo.").status == 422
    listed = Refusal.of(["row 2: no name", "row 5: no ID number"])
    assert listed.messages == ["row 2: no name", "row 5: no ID number"]


def test_the_areas_refusals_are_refusals_and_still_value_errors():
    from wardens.admin.operations import FieldError, PersonNotFound
    from wardens.admin.priority_text import PriorityTextError
    from wardens.attendance.months import ClosedMonthError, MonthStateError
    from wardens.attendance.operations import AttendanceError, ConflictError
    from wardens.auth.operations import AccountError
    from wardens.idnumber import IdNumberError
    from wardens.reallocation.errors import RefusedError
    from wardens.registry.importing import ImportFileError
    from wardens.registry.operations import RegistryError
    from wardens.spreadsheets import SpreadsheetError

    for cls in (FieldError, PersonNotFound, PriorityTextError, ClosedMonthError, MonthStateError, AttendanceError,
                ConflictError, AccountError, IdNumberError, RefusedError, ImportFileError, RegistryError,
                SpreadsheetError):
        assert issubclass(cls, Refusal) and issubclass(cls, ValueError), cls
    refused = RefusedError("one", "two", field="post")
    assert (refused.messages, refused.field, str(refused)) == (["one", "two"], "post", "one\ntwo")
    registry = RegistryError("Taken.", "code")
    assert (registry.message, registry.field) == ("Taken.", "code")
    field = FieldError("username", "Taken.")
    assert (field.field, field.message) == ("username", "Taken.")
    rows = AttendanceError(["a", "b"], rows={1: "a"})
    assert (rows.messages, rows.rows, rows.status) == (["a", "b"], {1: "a"}, 422)
