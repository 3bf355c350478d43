"""Accounts and district settings, for administrators only."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from ..access import roles_required
from ..extensions import db
from ..dates import today
from ..models import VERSIONED_FIELDS, Person, Role, User, current_settings, get_settings, settings_versions
from ..record_ids import page_number
from .forms import (
    SETTINGS_COLUMNS,
    SETTINGS_GROUPS,
    SETTINGS_HELP,
    ConfirmForm,
    PasswordResetForm,
    SettingsForm,
    UserCreateForm,
    UserEditForm,
)
from .operations import (
    chief_section_ids,
    create_account,
    disable_account,
    enable_account,
    find_person_by_id_number,
    is_locked,
    reset_password,
    unlock_account,
    update_account,
)
from ..attendance.pay_changes import months_text
from .priority_text import format_priority_groups
from .versions import change_lines, earliest_effective_month, month_text, plan_settings_change, save_settings

bp = Blueprint("admin", __name__, url_prefix="/admin")
ADMIN = (Role.ADMIN.value,)
PER_PAGE = 50


def _person_for(form: UserCreateForm | UserEditForm) -> Person | None:
    """The warden's person from the form's ID number (a refusal by the id_number field, through the boundary)."""
    if form.role.data != Role.WARDEN:
        return None
    return find_person_by_id_number(form.id_number.data or "")


@bp.route("/users")
@roles_required(*ADMIN)
def users() -> str:
    q = (request.args.get("q") or "").strip()
    role = request.args.get("role") or ""
    stmt = (
        select(User)
        .options(selectinload(User.township), selectinload(User.person))
        .outerjoin(Person, User.person_id == Person.id)
        .order_by(User.username)
    )
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == role)
    if q:
        # autoescape: '%', '_' and a backslash are text typed, not LIKE wildcards (PostgreSQL
        # also reads a backslash as LIKE's escape, SQLite does not: the lists differed).
        lowered = q.lower()
        stmt = stmt.where(
            or_(func.lower(User.username).contains(lowered, autoescape=True),
                func.lower(User.display_name).contains(lowered, autoescape=True),
                Person.name.contains(q, autoescape=True))
        )
    page = db.paginate(stmt, page=page_number(request.args.get("page")), per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/users.html", page=page, q=q, role=role, roles=list(Role), is_locked=is_locked, action=ConfirmForm()
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*ADMIN)
def user_new() -> str | Response:
    form = UserCreateForm()
    if form.validate_on_submit():
        person = _person_for(form)
        if not form.id_number.errors:
            # The form checks everything create_user does; what is left is a race
            # for the same username between two admins.
            user = create_account(
                form.username.data or "",
                form.password.data or "",
                form.role.data or "",
                township_id=form.township_value,
                person=person,
                display_name=form.display_name.data,
                actor_id=current_user.id,
                sections=form.section_ids,
            )
            flash(_("Account %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(*ADMIN)
def user_edit(user_id: int) -> str | Response:
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if request.method == "GET":
        form.township_id.data = str(user.township_id) if user.township_id else ""
        form.id_number.data = user.person.id_number if user.person else ""
        form.sections.data = chief_section_ids(user)
    if form.validate_on_submit():
        person = _person_for(form)
        if not form.id_number.errors:
            changed = update_account(
                current_user,
                user,
                role=form.role.data or "",
                township_id=form.township_value,
                person=person,
                display_name=form.display_name.data,
                actor_id=current_user.id,
                sections=form.section_ids,
            )
            if changed:
                flash(_("Account %(name)s saved.", name=user.username), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=user, action=ConfirmForm(), is_locked=is_locked(user)
    )


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@roles_required(*ADMIN)
def user_disable(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        disable_account(current_user, user)
        flash(_("Account %(name)s disabled; it is logged out everywhere.", name=user.username), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@roles_required(*ADMIN)
def user_enable(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        enable_account(user, actor_id=current_user.id)
        flash(_("Account %(name)s enabled.", name=user.username), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@roles_required(*ADMIN)
def user_unlock(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        unlock_account(user, actor_id=current_user.id)
        flash(_("Account %(name)s unlocked; it may log in again at once.", name=user.username), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@roles_required(*ADMIN)
def user_password(user_id: int) -> str | Response:
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        reset_password(user, form.password.data or "", actor_id=current_user.id)
        flash(
            _("A new password is set for %(name)s. Tell it to them in person; their old sessions have ended.",
              name=user.username),
            "success",
        )
        return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_password.html", form=form, user=user)


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(*ADMIN)
def settings() -> str | Response:
    """Save the settings as a version in force from a chosen month, asking first when a submitted month would change."""
    row = get_settings()
    if request.method == "GET":
        in_force = current_settings()
        data = {k: getattr(row, k) for k in SETTINGS_COLUMNS if k not in VERSIONED_FIELDS}
        data |= {k: getattr(in_force, k) for k in VERSIONED_FIELDS}
        data["priority_groups"] = format_priority_groups(in_force.priority_groups)
        data["effective_from"] = today().replace(day=1)
        form = SettingsForm(data=data)
    else:
        form = SettingsForm()
    if form.validate_on_submit():
        values, effective = form.values(), form.effective_from.data
        plan = plan_settings_change(values, effective)  # refuses a month it may not take, by the field
        if plan.needs_confirmation(form.confirmed.data):
            form.confirmed.data = plan.token
            return _settings_page(form, plan=plan)
        plan, version, saved = save_settings(row, values, effective, confirmed=form.confirmed.data,
                                             actor_id=current_user.id)
        if not saved:
            flash(_("Nothing was changed."), "info")
        elif version is None:
            flash(_("Settings saved."), "success")
        else:
            flash(_("Settings saved as version No. %(id)d, in force from %(month)s.", id=version.id,
                    month=month_text(*version.effective_month)), "success")
            if plan.altered:
                flash(_("Months whose pay changes: %(months)s.", months=months_text(plan.altered)), "info")
            elif plan.changes.keys() & {"absence_deduction"}:
                flash(_("No open month's pay changes."), "info")
            if plan.until is not None:
                flash(_("A later version takes effect from %(month)s: from then on its settings apply, not this change.",
                        month=month_text(plan.until.year, plan.until.month)), "warning")
            for year, month, towns in plan.closed:
                flash(_("%(month)s is closed in %(towns)s: those sheets keep the settings they were closed with.",
                        month=month_text(year, month), towns="、".join(towns)), "warning")
        if [] not in values["priority_groups"]:
            # Allowed (a county may keep posts for vulnerable households only), but it
            # shuts every other household out of the next round, so say it plainly.
            flash(_("The priority order has no last line “其他”: households in none of the groups "
                    "cannot be given a post in the next round."), "warning")
        return redirect(url_for("admin.settings"))
    return _settings_page(form)


def _settings_page(form: SettingsForm, plan: object = None) -> str:
    groups = [(title, [form[name] for name in names]) for title, names in SETTINGS_GROUPS]
    in_force = current_settings()
    versions = settings_versions()
    history = [(v, change_lines(v.changes or {})) for v in reversed(versions)]
    author_ids = {v.created_by_id for v in versions if v.created_by_id is not None}
    authors = {uid: display or username for uid, username, display in db.session.execute(
        select(User.id, User.username, User.display_name).where(User.id.in_(author_ids)))} if author_ids else {}
    # The month picker starts where the rule does; the server refuses an earlier month anyway.
    earliest = month_text(*earliest_effective_month(today()))
    form.effective_from.render_kw = {"min": earliest}
    return render_template(
        "admin/settings.html", form=form, groups=groups, help=SETTINGS_HELP, columns=SETTINGS_COLUMNS,
        plan=plan, history=history, in_force=in_force, month_text=month_text, authors=authors, earliest=earliest,
    )
