"""One form per reallocation action. Field types check the shape; the rules live in the
operations modules and their RefusedError is shown by the field it names."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from ..forms import DateField, Form
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..labels import LABOUR
from ..models.enums import Exclusion

REQUIRED = _l("This field is required.")


class ActionForm(Form):
    """A bare POST action (refresh, approve, mark in force): only the CSRF token."""


class OpenRoundForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=100)])
    year = IntegerField(_l("Year"), validators=[InputRequired(message=REQUIRED), NumberRange(min=2000, max=2100)])
    term_start = DateField(_l("Term starts"), validators=[InputRequired(message=REQUIRED)])
    term_end = DateField(_l("Term ends"), validators=[InputRequired(message=REQUIRED)])
    reference_date = DateField(_l("Reference date (ages are counted on this day)"),
                               validators=[InputRequired(message=REQUIRED)])
    notice_days = IntegerField(_l("Notice period (days)"),
                               validators=[InputRequired(message=REQUIRED), NumberRange(min=1, max=60)])
    submit = SubmitField(_l("Open the round"))


class ChoicesMixin:
    choice1 = StringField(_l("First choice (post code)"), validators=[Optional(), Length(max=30)],
                          render_kw={"list": "post-codes", "autocomplete": "off"})
    choice2 = StringField(_l("Second choice"), validators=[Optional(), Length(max=30)],
                          render_kw={"list": "post-codes", "autocomplete": "off"})
    choice3 = StringField(_l("Third choice"), validators=[Optional(), Length(max=30)],
                          render_kw={"list": "post-codes", "autocomplete": "off"})

    def codes(self) -> list[str]:
        return [self.choice1.data or "", self.choice2.data or "", self.choice3.data or ""]  # type: ignore[attr-defined]


class ApplyForm(ChoicesMixin, Form):
    person_id = HiddenField(validators=[DataRequired(message=_l("Choose a person first."))])
    submit = SubmitField(_l("Add the application"))


class NewApplicantForm(ChoicesMixin, Form):
    # The register's household rules name the household's number "number".
    refusal_field_names = {"number": "household_number"}
    name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=50)])
    id_number = StringField(_l("ID number"), validators=[DataRequired(message=REQUIRED), Length(max=30)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)])
    labour = SelectField(_l("Labour ability"), choices=[(k, v) for k, v in LABOUR.items()], default="full")
    household_number = StringField(_l("Household number"), validators=[DataRequired(message=REQUIRED),
                                                                        Length(max=40)],
                                   description=_l("An existing household's number, or a new one to register."))
    village_id = SelectField(_l("Village (for a new household)"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Register and add the application"))


class ChoicesForm(ChoicesMixin, Form):
    submit = SubmitField(_l("Save the choices"))


class ExcludeForm(Form):
    code = SelectField(_l("Exclusion"), choices=[("", _l("Not excluded"))] + [(e.value, e.label) for e in Exclusion],
                       validators=[Optional()])
    note = StringField(_l("Reason"), validators=[Optional(), Length(max=150)])
    submit = SubmitField(_l("Save the exclusion"))


class PinForm(Form):
    post = StringField(_l("Post code"), validators=[DataRequired(message=REQUIRED), Length(max=30)],
                       render_kw={"list": "post-codes", "autocomplete": "off"})
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Give the reason for the pin.")),
                                                   Length(max=200)])
    submit = SubmitField(_l("Pin to this post"))


class ImportForm(Form):
    refusal_field = "file"
    file = FileField(_l("Applications (.xlsx, .xls, .ods or .csv)"), validators=[FileRequired(message=_l("Choose a file."))])
    submit = SubmitField(_l("Check the file"))


class ImportApplyForm(Form):
    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Add every application"))


class RunForm(Form):
    note = StringField(_l("Note for this run"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Run the matcher"))


class NoticeForm(Form):
    """Posted twice: first to show the dates that follow from the start (the confirm step), then confirmed."""

    run_id = HiddenField(validators=[DataRequired()])
    start = DateField(_l("Notice starts on"), validators=[InputRequired(message=REQUIRED)])
    confirmed = HiddenField()
    submit = SubmitField(_l("Start the public notice"))


class ObjectionForm(Form):
    raised_by = StringField(_l("Raised by"), validators=[DataRequired(message=REQUIRED), Length(max=100)])
    about = StringField(_l("About (ID number or last 4 digits of a person; optional)"),
                        validators=[Optional(), Length(max=30)])
    content = TextAreaField(_l("Objection"), validators=[DataRequired(message=REQUIRED), Length(max=2000)])
    raised_on = DateField(_l("Raised on"), validators=[InputRequired(message=REQUIRED)])
    submit = SubmitField(_l("Record the objection"))


class SettleForm(Form):
    outcome = TextAreaField(_l("Outcome"), validators=[DataRequired(message=_l("Say how it was settled.")),
                                                       Length(max=2000)])
    submit = SubmitField(_l("Settle"))


class DismissForm(Form):
    """Dismiss a holder: posted once to see the consequence (nothing written), then with confirm=1."""

    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Give the reason.")), Length(max=500)])
    last_day = DateField(_l("Last day in post"), validators=[InputRequired(message=REQUIRED)])
    confirm = HiddenField()
    submit = SubmitField(_l("Dismiss"))


class UndoDismissalForm(Form):
    reason = StringField(_l("Why the dismissal is undone"),
                         validators=[DataRequired(message=_l("Give the reason.")), Length(max=500)])
    submit = SubmitField(_l("Undo the dismissal"))


class ClearForm(Form):
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Give the reason.")), Length(max=500)])
    submit = SubmitField(_l("Clear the flag"))


class FillForm(Form):
    post_id = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Fill from the waiting list"))


class ChoosePersonForm(Form):
    """Search box (GET) on the add-application page."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or last 4 digits of the ID number"), validators=[Optional(), Length(max=50)])
