"""The request's one boundary: run the view, commit once, or roll back and show the refusal.

In the style of Indico's ``RH.process``: every view of the site runs inside
`Site.dispatch_request`, so no view or operation commits, and none catches a refusal.

- The view returns: the transaction is committed, once (a commit that a concurrent
  change makes fail is the IntegrityError page of `wardens.web`).
- Anything raises: the transaction is rolled back and the error goes on to Flask's
  error handlers.
- A `Refusal` raises: rolled back, then shown
  * by the submitted form: when a `wardens.forms.Form` was submitted and valid, the view
    runs again in a fresh transaction and that form's ``validate_on_submit()`` answers
    False with the refusal by its field (or flashed above the form when the form has no
    such field), so the view re-renders exactly as for an invalid form, typed values kept;
  * otherwise as a flash on the page the request came from (a POST from one of our pages);
  * otherwise as the error page, with the refusal's HTTP status;
  * but for a view marked `answers_json` (called by a page's script, e.g. the phone's
    check-in queue): as JSON ``{"ok": false, "message", "errors": {field: [...]}}`` with
    the refusal's status, never re-run.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from . import forms
from .errors import Refusal
from .extensions import db

V = TypeVar("V", bound=Callable[..., Any])


def answers_json(view: V) -> V:
    """Mark a view called by a script: a refusal is answered as JSON (put it under @bp.route)."""
    view._answers_json = True  # type: ignore[attr-defined]
    return view


def _view_answers_json() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "_answers_json", False))


class Site(Flask):
    """The wardens Flask application: Flask with the one commit boundary around every view."""

    def dispatch_request(self) -> ResponseReturnValue:  # type: ignore[override]
        return run_in_boundary(super().dispatch_request)


def run_in_boundary(view: Callable[[], ResponseReturnValue]) -> ResponseReturnValue:
    """Run a view once (twice when a submitted form must show a refusal); commit once or roll back."""
    try:
        try:
            result = view()
        except Refusal as refusal:
            db.session.rollback()
            if _view_answers_json():
                return json_refusal(refusal)
            submitted = forms.submitted_form()
            if submitted is None:
                return refusal_response(refusal)
            forms.show_on_next_submission(submitted, refusal)
            try:
                result = view()
            except Refusal as again:  # the view refused again without its form: nothing left to re-render
                db.session.rollback()
                return refusal_response(again)
            if forms.refusal_pending():
                db.session.rollback()
                return refusal_response(refusal)
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def json_refusal(refusal: Refusal) -> ResponseReturnValue:
    """A refusal for a page's script: the message, and the messages by field ("form": none named)."""
    return jsonify(ok=False, message=refusal.message,
                   errors={refusal.field or "form": list(refusal.messages)}), refusal.status


def refusal_response(refusal: Refusal) -> ResponseReturnValue:
    """A refusal no form can show: flashed on the page the POST came from, else the error page."""
    back = _same_site_referrer()
    if request.method == "POST" and back is not None:
        for message in refusal.messages:
            flash(message, "error")
        return redirect(back, 303)
    return render_template("errors/error.html", code=refusal.status, title=_("Not done"),
                           message="\n".join(refusal.messages)), refusal.status


def _same_site_referrer() -> str | None:
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    return referrer
