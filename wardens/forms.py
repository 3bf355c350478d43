"""The base of every form: what no text field may hold, checked once for all of them,
and how a form shows a refusal that the request's boundary (`wardens.views`) hands it."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

from flask import abort, flash, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField as WTFormsDateField
from wtforms import Field, PasswordField, StringField
from wtforms.fields import MonthField as WTFormsMonthField
from wtforms.validators import ValidationError

from .errors import Refusal
from .text import CONTROL_CHARACTERS_MESSAGE, has_control_characters

# Per request, in flask.g: the form that was submitted and valid (its class and prefix),
# and the refusal it is to show when the boundary runs the view again.
_SUBMITTED = "wardens_submitted_form"
_PENDING = "wardens_pending_refusal"


def no_control_characters(form: FlaskForm, field: Field) -> None:
    """Refuse text holding invisible control characters, by the field (NUL never gets this far)."""
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE)


_DATE_SHAPE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
# The last year a date or month may fall in: the site works out the day and the month after a
# date, which Python's calendar cannot do in 9999 (9999-12 on the months page was a 500).
LAST_YEAR = 9998


class _OneText:
    """Read a typed field from one text: empty is None (for the field's required/optional
    validator to judge), a text the field cannot read is refused with ``fault(text)``."""

    data: Any
    fault: Callable[[str], str]  # why the text is not one: each field says it its way

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return  # not in the submission: the default or the object's value stands
        raw = " ".join(str(v) for v in valuelist).strip()
        self.data = None
        if not raw:
            return
        try:
            super().process_formdata([raw])  # type: ignore[misc]
        except ValueError:
            self.data = None
        if self.data is None:
            raise ValueError(self.fault(raw[:20]))
        if isinstance(self.data, dt.date) and self.data.year > LAST_YEAR:
            self.data = None
            raise ValueError(_("%(value)s is too far in the future.", value=raw[:20]))


class DateField(_OneText, WTFormsDateField):
    """A date as YYYY-MM-DD (what the browser's date picker sends), refused with a message naming what was typed.

    The one date field of the site: WTForms reads it; the message says whether the text is
    not a date at all or a date that does not exist (2026-02-30).
    """

    def fault(self, raw: str) -> str:
        if _DATE_SHAPE.match(raw):
            return _("%(value)s is not a date that exists.", value=raw)
        return _("“%(value)s” is not a date; write it as YYYY-MM-DD.", value=raw)


class MonthField(_OneText, WTFormsMonthField):
    """A month as YYYY-MM (the browser's month picker), its data the month's first day; a fault names what was typed."""

    def fault(self, raw: str) -> str:
        return _("“%(value)s” is not a month: write it as year-month, like 2026-12.", value=raw)

    @property
    def month(self) -> tuple[int, int] | None:
        """(year, month) of the month given, None when none is."""
        return (self.data.year, self.data.month) if isinstance(self.data, dt.date) else None


class Form(FlaskForm):
    """A FlaskForm (CSRF included) whose text fields all refuse control characters.

    ``refusal`` is the Refusal this form showed on this request (None when it showed none):
    a view that shows more than messages (an attendance grid marks its rows) reads it.
    """

    refusal: Refusal | None = None
    # Where a refusal goes on this form: the field for one that names none (an upload form's
    # file, say), and this form's names for fields the operations call otherwise.
    refusal_field: str | None = None
    refusal_field_names: dict[str, str] = {}
    # True: the view shows the refusal itself from ``form.refusal`` (the grid marks its rows, an
    # import lists it with the preview), so it is neither put by a field nor flashed.
    refusal_in_view: bool = False

    def validate_on_submit(self, extra_validators: Any = None) -> bool:
        """FlaskForm's check, and: a submission the rules refused is answered as an invalid one."""
        if not super().validate_on_submit(extra_validators):
            return False
        key = (type(self), self._prefix)
        pending = g.get(_PENDING)
        if pending is not None and pending[0] == key:
            g.pop(_PENDING)
            show_refusal(self, pending[1])
            return False
        setattr(g, _SUBMITTED, key)
        return True

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


def submitted_form() -> tuple[type, str] | None:
    """The form the current request submitted and found valid (the last one), if any."""
    return g.get(_SUBMITTED)


def show_on_next_submission(key: tuple[type, str], refusal: Refusal) -> None:
    """The boundary's hand-over: that form, validated again, shows the refusal and answers False."""
    setattr(g, _PENDING, (key, refusal))
    g.pop(_SUBMITTED, None)


def refusal_pending() -> bool:
    """Whether the refusal handed over was not taken by its form (the view did not validate it again)."""
    return g.pop(_PENDING, None) is not None


def show_refusal(form: FlaskForm, refusal: Exception) -> None:
    """Put a refusal's messages by the field it names (or the form's ``refusal_field``), else flash them above the form."""
    if isinstance(form, Form) and isinstance(refusal, Refusal) and form.refusal_in_view:
        form.refusal = refusal
        return
    messages = list(getattr(refusal, "messages", None) or [str(refusal)])
    name = getattr(refusal, "field", None)
    name = getattr(form, "refusal_field_names", {}).get(name, name) if name else None
    name = name or getattr(form, "refusal_field", None)
    field = form._fields.get(name) if name else None
    if field is not None:
        field.errors = list(field.errors) + messages
    else:
        for message in messages:
            flash(message, "error")
    if isinstance(form, Form) and isinstance(refusal, Refusal):
        form.refusal = refusal
