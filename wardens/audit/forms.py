"""The audit trail's filter: a GET form, so the dates are read by the site's one date field."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import Optional

from ..forms import DateField, Form


class TrailDatesForm(Form):
    """From and to (both days included) as the trail's query string names them."""

    class Meta:
        csrf = False

    first = DateField(_l("From"), name="from", validators=[Optional()])
    last = DateField(_l("To"), name="to", validators=[Optional()])
