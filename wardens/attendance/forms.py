"""One form per attendance action; the grid's rows are read by GridSaveForm.entries()."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from ..forms import DateField, Form, MonthField
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.widgets import HiddenInput
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..record_ids import record_id, whole_number
from ..text import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from .operations import NOTE_MAX, REASON_MAX, STATUSES, GridEntry


class GridPickForm(Form):
    """Which day and place the grid shows (a GET form)."""

    class Meta:
        csrf = False

    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Give a date."))])
    township_id = SelectField(_l("Township"), coerce=int, validate_choice=False)
    village_id = SelectField(_l("Village"), coerce=int, validate_choice=False, default=0)


class GridSaveForm(Form):
    """Save the whole grid; each row posts s-<id> (status), n-<id> (note), c-<id> (certificate), v-<id> (version)."""

    refusal_in_view = True  # the grid marks the refused rows and lists the reasons above them

    day = DateField(widget=HiddenInput())
    township_id = HiddenField()
    village_id = HiddenField()
    reason = TextAreaField(_l("Reason for the change"), validators=[Optional(), Length(max=REASON_MAX)])
    save = SubmitField(_l("Save the day"))
    fill = SubmitField(_l("Mark every unrecorded row present and save"))

    def entries(self, formdata: MultiDict[str, str]) -> tuple[list[GridEntry], dict[int, str]]:
        """The rows posted, and a message for each row that cannot be read."""
        entries: list[GridEntry] = []
        errors: dict[int, str] = {}
        fill = bool(self.fill.data)
        for key in formdata:
            if not key.startswith("v-"):
                continue
            aid = record_id(key[2:])
            if aid is None:
                continue
            status = (formdata.get(f"s-{aid}") or "").strip() or None
            raw_version = (formdata.get(key) or "0").strip()
            version = whole_number(raw_version)
            if version is None:
                errors[aid] = _("The page is damaged; reload it.")
                continue
            # "Fill" only touches rows that were unrecorded when the grid was opened.
            if status is None and fill and raw_version == "0":
                status = STATUSES[0]
            if status is not None and status not in STATUSES:
                errors[aid] = _("“%(value)s” is not one of the six attendance statuses.", value=status)
            note = (formdata.get(f"n-{aid}") or "").strip()
            if len(note) > NOTE_MAX:
                errors[aid] = _("The note is longer than %(n)d characters.", n=NOTE_MAX)
            elif has_control_characters(note):
                errors[aid] = str(CONTROL_CHARACTERS_MESSAGE)
            entries.append(GridEntry(aid, status, note, formdata.get(f"c-{aid}") == "1", version))
        return entries, errors


class StoppageForm(Form):
    """Declare work stopped (停工) for a village or a whole township over a date range."""

    township_id = SelectField(_l("Township"), coerce=int, validate_choice=False)
    village_id = SelectField(_l("Village (blank: the whole township)"), coerce=int, validate_choice=False, default=0)
    first_day = DateField(_l("First day"), validators=[InputRequired(message=_l("Give a date."))])
    last_day = DateField(_l("Last day"), validators=[InputRequired(message=_l("Give a date."))])
    reason = StringField(_l("Reason (flood, road closure ...)"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Preview the stoppage"))
    # A refusal of the range (a closed month, a future day) is shown by the first day.
    refusal_field = "first_day"

    def validate_last_day(self, field: DateField) -> None:
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError(_("The last day is before the first day."))


class StoppageConfirmForm(Form):
    """Confirm a previewed 停工: the request as previewed, and the preview's fingerprint."""

    township_id = HiddenField(validators=[DataRequired()])
    village_id = HiddenField()
    first_day = DateField(widget=HiddenInput(), validators=[InputRequired()])
    last_day = DateField(widget=HiddenInput(), validators=[InputRequired()])
    reason = HiddenField(validators=[DataRequired(), Length(max=200)])
    fingerprint = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Confirm: mark these days 停工"))


class StoppageUndoForm(Form):
    """Undo a 停工 as one action (the office), with a reason."""

    reason = StringField(_l("Why the stoppage is undone"), validators=[DataRequired(), Length(max=REASON_MAX)])
    submit = SubmitField(_l("Undo the stoppage"))


class MonthActionForm(Form):
    """Submit or close a month (the button is the whole form)."""

    submit = SubmitField(_l("Confirm"))


class ReturnMonthForm(Form):
    refusal_field = "reason"
    reason = StringField(_l("Why the month goes back to the township"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Send back for recording"))


class ReopenMonthForm(Form):
    refusal_field = "reason"
    reason = TextAreaField(_l("Reason for reopening"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Reopen the month"))


class MonthPickForm(Form):
    class Meta:
        csrf = False

    month = MonthField(_l("Month"), validators=[InputRequired(message=_l("Give a month."))])


class ImportUploadForm(Form):
    refusal_field = "file"  # a file that cannot be read is refused by the file field
    township_id = SelectField(_l("Township"), coerce=int, validate_choice=False)
    month = MonthField(_l("Month"), validators=[InputRequired(message=_l("Give a month."))])
    file = FileField(_l("Monthly sheet (.xlsx, .xls, .ods or .csv, the layout the sheet exports)"),
                     validators=[FileRequired(_l("Choose a file."))])
    submit = SubmitField(_l("Check the file"))


class ImportApplyForm(Form):
    refusal_in_view = True  # listed with the preview's own faults
    token = HiddenField(validators=[DataRequired()])
    fingerprint = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (needed when days are more than a few days old)"),
                           validators=[Optional(), Length(max=REASON_MAX)])
    submit = SubmitField(_l("Apply the import"))
