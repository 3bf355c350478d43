"""The one way a view finishes an operation: commit once and say so, or roll back and say why."""
from __future__ import annotations

from typing import Any, Callable

from flask import flash

from .extensions import db


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
