"""The one way a view finishes an operation: commit once and say so, or roll back and say why."""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from flask import flash
from flask_wtf import FlaskForm

from .extensions import db

T = TypeVar("T")


def commit_or_flash(change: Callable[[], Any], success: str, refusal: type[Exception]) -> bool:
    """Run an operation; commit and flash success, or roll back and flash the rule's message.

    `refusal` is the area's rule error (a ValueError whose text is the user-facing
    message); anything else is a bug and propagates, rolled back by the request.
    """
    try:
        change()
    except refusal as err:
        db.session.rollback()
        flash(str(err), "error")
        return False
    db.session.commit()
    flash(success, "success")
    return True


def commit_or_show_error(
    form: FlaskForm, change: Callable[[], T], refusal: type[Exception], *, default_field: str | None = None
) -> T | None:
    """Run an operation and commit it; on a rule's refusal roll back, show why on the form and return None.

    The form views' sibling of commit_or_flash: the refusal's message goes by the
    field it names (its ``field``, else ``default_field``), so the user sees it
    where they typed, or above the form when the form has no such field.
    ``change`` returns what the view needs next (the new record, or whether
    anything changed) and never None, so None means refused.
    """
    try:
        result = change()
    except refusal as exc:
        db.session.rollback()
        name = getattr(exc, "field", None) or default_field
        field = getattr(form, name, None) if name else None
        message = getattr(exc, "message", None) or str(exc)
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "error")
        return None
    db.session.commit()
    return result
