"""The base of every form: what no text field may hold, checked once for all of them."""
from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, StringField
from wtforms.validators import ValidationError

from .text import has_control_characters


def no_control_characters(form: FlaskForm, field: Field) -> None:
    """Refuse text holding invisible control characters, by the field (NUL never gets this far)."""
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise ValidationError(_l("This text holds invisible control characters; type it again or remove them."))


class Form(FlaskForm):
    """A FlaskForm (CSRF included) whose text fields all refuse control characters."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            field_class = unbound_field.field_class
            # Passwords are hashed, never shown or exported: any character may be part of one.
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                # A new list per bound field: the unbound field is shared by every instance of the form.
                validators = [*(unbound_field.kwargs.get("validators") or ()), no_control_characters]
                options = {**options, "validators": validators}
            return unbound_field.bind(form=form, **options)


def refuse_nul_characters() -> None:
    """Answer 400 to a request whose query or form holds a NUL character, before any view runs.

    No keyboard types NUL, and PostgreSQL cannot store or even compare text holding
    one: a search or a save carrying it would fail deep inside the database.
    """
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400, description=_("The request holds a NUL character, which no field may contain. Nothing was saved."))
