"""The home page's chart filter: a GET form, so the month is read by the site's one month field."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import Optional

from ..forms import Form, MonthField


class ChartMonthForm(Form):
    """The month the charts end at, as the query string names it."""

    class Meta:
        csrf = False

    month = MonthField(_l("Month"), validators=[Optional()])
