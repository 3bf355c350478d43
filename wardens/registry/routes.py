"""The register's pages: lists, records, forms, imports, exports, sizing and the audit trail.

Views read the request, call operations (which flush), commit once and redirect.
Clerks are held to their own township by the list queries and by check_township
on every record (another township's record is a 404).
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from ..access import DISTRICT, STAFF, check_township, roles_required, may_reveal_id_numbers
from ..audit import record_audit
from ..dates import today
from ..extensions import db
from ..views import commit_or_flash
from ..models import (
    Assignment,
    AuditEvent,
    Household,
    Person,
    Post,
    Township,
    User,
    Village,
)
from ..spreadsheets import XLSX_MIME, SpreadsheetError, csv_bytes, xlsx_bytes
from . import import_flags, import_people, import_posts
from .operations.common import RegistryError
from .operations.households import (
    clear_household_flag,
    create_household,
    deactivate_household,
    reactivate_household,
    set_household_flag,
    update_household,
)
from .operations.people import create_person, deactivate_person, reactivate_person, reveal_id_number, update_person
from .operations.places import (
    create_township,
    create_village,
    deactivate_township,
    deactivate_village,
    reactivate_township,
    reactivate_village,
    set_neighbours,
    update_township,
    update_village,
)
from .operations.posts import create_post, deactivate_post, reactivate_post, update_post
from .exports import EXPORTS
from .forms import (
    ActionForm,
    ExportForm,
    FlagClearForm,
    FlagImportForm,
    FlagSetForm,
    HouseholdForm,
    PersonForm,
    PostForm,
    TownshipForm,
    UploadForm,
    VillageForm,
)
from .importing import (
    ImportFileError,
    Preview,
    cached_preview,
    discard_upload,
    keep_upload,
    load_upload,
    read_kept,
    save_preview,
)
from .search import (
    HOUSEHOLD_SORTS,
    HOUSEHOLD_STATUSES,
    PEOPLE_SORTS,
    PEOPLE_STATUSES,
    POST_SORTS,
    POST_STATUSES,
    Filters,
    filled_counts,
    households_query,
    parse_filters,
    people_query,
    posts_query,
    visible_townships,
    visible_villages,
)
from .sizing import village_sizing
from .summary import month_attendance_counts

bp = Blueprint("registry", __name__)
PER_PAGE = 50
PREVIEW_PER_PAGE = 100
LISTS = {
    "people": (PEOPLE_STATUSES, PEOPLE_SORTS),
    "households": (HOUSEHOLD_STATUSES, HOUSEHOLD_SORTS),
    "posts": (POST_STATUSES, POST_SORTS),
    "sizing": (set(), {}),
}


@bp.context_processor
def register_helpers() -> dict[str, Any]:
    from ..labels import _ALL

    def label_items(kind: str) -> list[tuple[str, str]]:
        """(code, word) pairs of a vocabulary, for filter menus."""
        return [(code, str(word)) for code, word in _ALL[kind].items()]

    return {"label_items": label_items}


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def _show_error(form: Any, exc: RegistryError) -> None:
    """Put a rule's message by the field it names, or above the form when it names none."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [exc.message]
    else:
        flash(exc.message, "error")


def _village_choices(active_only: bool = True) -> list[tuple[int, str]]:
    return [(v.id, v.full_name) for v in visible_villages() if v.active or not active_only]


def _list_context(name: str, f: Filters) -> dict[str, Any]:
    villages = visible_villages()
    if f.township:
        villages = [v for v in villages if v.township_id == f.township]
    return {
        "filters": f,
        "filter_args": f.args(),
        "townships": visible_townships(),
        "villages": villages,
        "export_form": ExportForm(formdata=None),
        "list_name": name,
    }


# ---------------------------------------------------------------- people

@bp.route("/people")
@roles_required(*STAFF)
def people() -> str:
    f = parse_filters(request.args, PEOPLE_STATUSES, PEOPLE_SORTS)
    pagination = db.paginate(people_query(f), page=_page(), per_page=PER_PAGE, error_out=False)
    return render_template("registry/people.html", pagination=pagination, **_list_context("people", f))


def _person_or_404(person_id: int) -> Person:
    person = db.session.scalar(
        select(Person).where(Person.id == person_id).options(
            joinedload(Person.household).joinedload(Household.village).joinedload(Village.township),
            joinedload(Person.household).selectinload(Household.flags),
        )
    )
    if person is None:
        abort(404)
    check_township(person.household.village.township_id)
    return person


@bp.route("/people/<int:person_id>")
@roles_required(*STAFF)
def person(person_id: int) -> str:
    p = _person_or_404(person_id)
    assignments = db.session.scalars(
        select(Assignment).where(Assignment.person_id == p.id)
        .options(joinedload(Assignment.post).joinedload(Post.village))
        .order_by(Assignment.term_start.desc())
    ).all()
    day = today()
    current = [a for a in assignments if a.in_force_on(day) or a.term_start > day]
    past = [a for a in assignments if a not in current]
    revealed = session.pop("registry_revealed", None) == p.id and may_reveal_id_numbers()
    # The month's subsidy is on the township's monthly sheet, where the formula and its settings are shown.
    in_force = [a for a in current if a.in_force_on(day)]
    sheet_url = (
        url_for("attendance.sheet", township_id=in_force[0].post.village.township_id, year=day.year, month=day.month)
        if in_force
        else None
    )
    return render_template(
        "registry/person.html", person=p, household=p.household, current=current, past=past,
        counts=month_attendance_counts(p.id, day.year, day.month), month=day, revealed=revealed,
        action_form=ActionForm(), sheet_url=sheet_url,
    )


@bp.route("/people/<int:person_id>/reveal", methods=["POST"])
@roles_required(*DISTRICT)
def person_reveal(person_id: int) -> Response:
    p = _person_or_404(person_id)
    if ActionForm().validate_on_submit():
        reveal_id_number(p)
        db.session.commit()
        session["registry_revealed"] = p.id
    return redirect(url_for("registry.person", person_id=p.id))


def _person_form_values(form: PersonForm) -> dict[str, Any]:
    return {
        "name": form.name.data, "id_number": form.id_number.data, "phone": form.phone.data,
        "labour": form.labour.data, "away_working": form.away_working.data,
        "stable_employment": form.stable_employment.data, "bank_name": form.bank_name.data,
        "bank_account": form.bank_account.data, "note": form.note.data,
    }


@bp.route("/households/<int:household_id>/people/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def person_new(household_id: int) -> str | Response:
    household = _household_or_404(household_id)
    form = PersonForm()
    if form.validate_on_submit():
        try:
            p = create_person(household, **_person_form_values(form))
        except RegistryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("%(name)s has been added to household %(number)s.", name=p.name, number=household.number),
                  "success")
            return redirect(url_for("registry.person", person_id=p.id))
    return render_template("registry/person_form.html", form=form, household=household, person=None)


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def person_edit(person_id: int) -> str | Response:
    p = _person_or_404(person_id)
    form = PersonForm(obj=p)
    if request.method == "GET":
        form.id_number.data = p.id_number if may_reveal_id_numbers() else ""
    if form.validate_on_submit():
        try:
            changed = update_person(p, **_person_form_values(form))
        except RegistryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing changed."), "success" if changed else "info")
            return redirect(url_for("registry.person", person_id=p.id))
    return render_template("registry/person_form.html", form=form, household=p.household, person=p)


# ---------------------------------------------------------------- households

@bp.route("/households")
@roles_required(*STAFF)
def households() -> str:
    f = parse_filters(request.args, HOUSEHOLD_STATUSES, HOUSEHOLD_SORTS)
    pagination = db.paginate(households_query(f), page=_page(), per_page=PER_PAGE, error_out=False)
    return render_template("registry/households.html", pagination=pagination, **_list_context("households", f))


def _household_or_404(household_id: int) -> Household:
    household = db.session.scalar(
        select(Household).where(Household.id == household_id).options(
            joinedload(Household.village).joinedload(Village.township),
            selectinload(Household.flags), selectinload(Household.members),
        )
    )
    if household is None:
        abort(404)
    check_township(household.village.township_id)
    return household


@bp.route("/households/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def household_new() -> str | Response:
    form = HouseholdForm()
    form.village_id.choices = _village_choices()
    if form.validate_on_submit():
        try:
            household = create_household(
                form.number.data, db.session.get(Village, form.village_id.data), address=form.address.data,
                cadre=form.cadre.data, note=form.note.data,
            )
        except RegistryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Household %(number)s has been registered.", number=household.number), "success")
            return redirect(url_for("registry.household", household_id=household.id))
    return render_template("registry/household_form.html", form=form, household=None)


@bp.route("/households/<int:household_id>")
@roles_required(*STAFF)
def household(household_id: int) -> str:
    h = _household_or_404(household_id)
    flag_form = FlagSetForm(formdata=None, recorded_on=today())
    clear_form = FlagClearForm(formdata=None, cleared_on=today())
    clear_form.flag.choices = [(f.flag, label_flag(f.flag)) for f in h.current_flags]
    history = sorted(h.flags, key=lambda fl: (fl.recorded_on, fl.id), reverse=True)
    return render_template("registry/household.html", household=h, flag_form=flag_form, clear_form=clear_form,
                           history=history, action_form=ActionForm())


def label_flag(code: str) -> str:
    from ..labels import label

    return label("flag", code)


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def household_edit(household_id: int) -> str | Response:
    h = _household_or_404(household_id)
    form = HouseholdForm(obj=h)
    form.village_id.choices = _village_choices()
    if h.village_id not in dict(form.village_id.choices):
        form.village_id.choices.append((h.village_id, h.village.full_name))
    if form.validate_on_submit():
        try:
            changed = update_household(
                h, number=form.number.data, village=db.session.get(Village, form.village_id.data),
                address=form.address.data, cadre=form.cadre.data, note=form.note.data,
            )
        except RegistryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing changed."), "success" if changed else "info")
            return redirect(url_for("registry.household", household_id=h.id))
    return render_template("registry/household_form.html", form=form, household=h)


@bp.route("/households/<int:household_id>/flags", methods=["POST"])
@roles_required(*STAFF)
def flag_set(household_id: int) -> str | Response:
    h = _household_or_404(household_id)
    form = FlagSetForm()
    if form.validate_on_submit():
        try:
            set_household_flag(h, form.flag.data, form.recorded_on.data, note=form.note.data,
                               source=form.source.data)
        except RegistryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Flag %(flag)s recorded.", flag=label_flag(form.flag.data)), "success")
            return redirect(url_for("registry.household", household_id=h.id))
    h = _household_or_404(household_id)
    clear_form = FlagClearForm(formdata=None, cleared_on=today())
    clear_form.flag.choices = [(f.flag, label_flag(f.flag)) for f in h.current_flags]
    history = sorted(h.flags, key=lambda fl: (fl.recorded_on, fl.id), reverse=True)
    return render_template("registry/household.html", household=h, flag_form=form, clear_form=clear_form,
                           history=history, action_form=ActionForm())


@bp.route("/households/<int:household_id>/flags/clear", methods=["POST"])
@roles_required(*STAFF)
def flag_clear(household_id: int) -> str | Response:
    h = _household_or_404(household_id)
    form = FlagClearForm()
    form.flag.choices = [(f.flag, label_flag(f.flag)) for f in h.current_flags]
    if form.validate_on_submit():
        try:
            clear_household_flag(h, form.flag.data, form.cleared_on.data, reason=form.reason.data)
        except RegistryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Flag %(flag)s cleared.", flag=label_flag(form.flag.data)), "success")
            return redirect(url_for("registry.household", household_id=h.id))
    h = _household_or_404(household_id)
    flag_form = FlagSetForm(formdata=None, recorded_on=today())
    history = sorted(h.flags, key=lambda fl: (fl.recorded_on, fl.id), reverse=True)
    return render_template("registry/household.html", household=h, flag_form=flag_form, clear_form=form,
                           history=history, action_form=ActionForm())


# ---------------------------------------------------------------- posts

@bp.route("/posts")
@roles_required(*STAFF)
def posts() -> str:
    f = parse_filters(request.args, POST_STATUSES, POST_SORTS)
    pagination = db.paginate(posts_query(f), page=_page(), per_page=PER_PAGE, error_out=False)
    filled = filled_counts([p.id for p in pagination.items])
    return render_template("registry/posts.html", pagination=pagination, filled=filled,
                           kinds=_kinds(), **_list_context("posts", f))


def _kinds() -> list[tuple[str, Any]]:
    from ..labels import POST_KINDS

    return list(POST_KINDS.items())


def _post_or_404(post_id: int) -> Post:
    post = db.session.scalar(
        select(Post).where(Post.id == post_id).options(joinedload(Post.village).joinedload(Village.township))
    )
    if post is None:
        abort(404)
    check_township(post.village.township_id)
    return post


def _post_form_values(form: PostForm) -> dict[str, Any]:
    keys = ("code", "kind", "route_code", "section_start", "section_end", "km", "slots", "min_age", "max_age",
            "labour", "monthly_subsidy", "required_days", "road_chief", "road_chief_phone")
    return {k: getattr(form, k).data for k in keys}


@bp.route("/posts/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def post_new() -> str | Response:
    form = PostForm()
    form.village_id.choices = _village_choices()
    if form.validate_on_submit():
        try:
            post = create_post(db.session.get(Village, form.village_id.data), **_post_form_values(form))
        except RegistryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Post %(code)s has been created.", code=post.code), "success")
            return redirect(url_for("registry.post", post_id=post.id))
    return render_template("registry/post_form.html", form=form, post=None)


@bp.route("/posts/<int:post_id>")
@roles_required(*STAFF)
def post(post_id: int) -> str:
    p = _post_or_404(post_id)
    assignments = db.session.scalars(
        select(Assignment).where(Assignment.post_id == p.id)
        .options(joinedload(Assignment.person).joinedload(Person.household))
        .order_by(Assignment.term_start.desc())
    ).all()
    day = today()
    current = [a for a in assignments if a.in_force_on(day) or a.term_start > day]
    past = [a for a in assignments if a not in current]
    return render_template("registry/post.html", post=p, current=current, past=past, action_form=ActionForm())


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def post_edit(post_id: int) -> str | Response:
    p = _post_or_404(post_id)
    form = PostForm(obj=p)
    form.village_id.choices = _village_choices()
    if p.village_id not in dict(form.village_id.choices):
        form.village_id.choices.append((p.village_id, p.village.full_name))
    if form.validate_on_submit():
        try:
            changed = update_post(p, db.session.get(Village, form.village_id.data), **_post_form_values(form))
        except RegistryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing changed."), "success" if changed else "info")
            return redirect(url_for("registry.post", post_id=p.id))
    return render_template("registry/post_form.html", form=form, post=p)


@bp.route("/posts/sizing")
@roles_required(*STAFF)
def sizing() -> str:
    from ..models import get_settings

    f = parse_filters(request.args, set(), {})
    lines = village_sizing(f)
    return render_template("registry/sizing.html", lines=lines, settings=get_settings(),
                           **_list_context("sizing", f))


# ---------------------------------------------------------------- deactivate / reactivate

def _target(kind: str, obj_id: int) -> tuple[Any, str]:
    """The record a deactivate/reactivate names and the page to go back to."""
    if kind in ("township", "village") and current_user.role not in DISTRICT:
        abort(403)
    if kind == "township":
        return db.get_or_404(Township, obj_id), url_for("registry.places")
    if kind == "village":
        return db.get_or_404(Village, obj_id), url_for("registry.places")
    if kind == "household":
        return _household_or_404(obj_id), url_for("registry.household", household_id=obj_id)
    if kind == "person":
        return _person_or_404(obj_id), url_for("registry.person", person_id=obj_id)
    if kind == "post":
        return _post_or_404(obj_id), url_for("registry.post", post_id=obj_id)
    abort(404)


DEACTIVATE = {
    "township": (deactivate_township, reactivate_township),
    "village": (deactivate_village, reactivate_village),
    "household": (deactivate_household, reactivate_household),
    "person": (deactivate_person, reactivate_person),
    "post": (deactivate_post, reactivate_post),
}


@bp.route("/<any(township, village, household, person, post):kind>/<int:obj_id>/deactivate", methods=["POST"])
@roles_required(*STAFF)
def deactivate(kind: str, obj_id: int) -> Response:
    obj, back = _target(kind, obj_id)
    if ActionForm().validate_on_submit():
        commit_or_flash(lambda: DEACTIVATE[kind][0](obj), _("Deactivated."), RegistryError)
    return redirect(back)


@bp.route("/<any(township, village, household, person, post):kind>/<int:obj_id>/reactivate", methods=["POST"])
@roles_required(*STAFF)
def reactivate(kind: str, obj_id: int) -> Response:
    obj, back = _target(kind, obj_id)
    if ActionForm().validate_on_submit():
        commit_or_flash(lambda: DEACTIVATE[kind][1](obj), _("Active again."), RegistryError)
    return redirect(back)


# ---------------------------------------------------------------- places

@bp.route("/places")
@roles_required(*DISTRICT)
def places() -> str:
    townships = db.session.scalars(
        select(Township).options(selectinload(Township.villages).selectinload(Village.neighbours))
        .order_by(Township.name)
    ).all()
    posts = dict(db.session.execute(
        select(Post.village_id, func.count(Post.id)).where(Post.active.is_(True)).group_by(Post.village_id)).all())
    households = dict(db.session.execute(
        select(Household.village_id, func.count(Household.id)).where(Household.active.is_(True))
        .group_by(Household.village_id)).all())
    return render_template("registry/places.html", townships=townships, posts=posts, households=households,
                           action_form=ActionForm())


@bp.route("/places/townships/new", methods=["GET", "POST"])
@roles_required(*DISTRICT)
def township_new() -> str | Response:
    form = TownshipForm()
    if form.validate_on_submit():
        try:
            t = create_township(form.name.data, code=form.code.data)
        except RegistryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Township %(name)s has been added.", name=t.name), "success")
            return redirect(url_for("registry.places"))
    return render_template("registry/township_form.html", form=form, township=None)


@bp.route("/places/townships/<int:township_id>/edit", methods=["GET", "POST"])
@roles_required(*DISTRICT)
def township_edit(township_id: int) -> str | Response:
    t = db.get_or_404(Township, township_id)
    form = TownshipForm(obj=t)
    if form.validate_on_submit():
        try:
            update_township(t, name=form.name.data, code=form.code.data)
        except RegistryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("registry.places"))
    return render_template("registry/township_form.html", form=form, township=t)


def _neighbour_choices(exclude: int | None) -> list[tuple[int, str]]:
    return [(v.id, v.full_name) for v in visible_villages() if v.id != exclude and v.active]


@bp.route("/places/villages/new", methods=["GET", "POST"])
@roles_required(*DISTRICT)
def village_new() -> str | Response:
    form = VillageForm()
    form.township_id.choices = [(t.id, t.name) for t in visible_townships() if t.active]
    form.neighbours.choices = _neighbour_choices(None)
    if request.method == "GET" and request.args.get("township", "").isdigit():
        form.township_id.data = int(request.args["township"])
    if form.validate_on_submit():
        try:
            v = create_village(db.session.get(Township, form.township_id.data), form.name.data,
                               code=form.code.data, road_km=form.road_km.data)
            set_neighbours(v, [db.session.get(Village, i) for i in form.neighbours.data or []])
        except RegistryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Village %(name)s has been added.", name=v.full_name), "success")
            return redirect(url_for("registry.places"))
    return render_template("registry/village_form.html", form=form, village=None)


@bp.route("/places/villages/<int:village_id>/edit", methods=["GET", "POST"])
@roles_required(*DISTRICT)
def village_edit(village_id: int) -> str | Response:
    v = db.get_or_404(Village, village_id)
    form = VillageForm(obj=v)
    form.township_id.choices = [(v.township_id, v.township.name)]
    form.neighbours.choices = _neighbour_choices(v.id)
    if request.method == "GET":
        form.neighbours.data = [n.id for n in v.neighbours]
    if form.validate_on_submit():
        try:
            update_village(v, name=form.name.data, code=form.code.data, road_km=form.road_km.data)
            set_neighbours(v, [db.session.get(Village, i) for i in form.neighbours.data or []])
        except RegistryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("registry.places"))
    return render_template("registry/village_form.html", form=form, village=v)


# ---------------------------------------------------------------- exports

def _export_response(name: str, fmt: str, unmasked: bool) -> Response:
    statuses, sorts = LISTS[name]
    f = parse_filters(request.args, statuses, sorts)
    table = EXPORTS[name](f, unmasked=unmasked)
    stamp = today().isoformat()
    if fmt == "csv":
        body, mimetype = csv_bytes(table.headers, table.rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = xlsx_bytes(table.headers, table.rows, text_columns=table.text_columns,
                                    sheet_title=name), XLSX_MIME
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/export/<any(people, households, posts, sizing):name>.<any(xlsx, csv):fmt>")
@roles_required(*STAFF)
def export(name: str, fmt: str) -> Response:
    return _export_response(name, fmt, unmasked=False)


@bp.route("/export/<any(people, households, posts, sizing):name>", methods=["POST"])
@roles_required(*DISTRICT)
def export_full(name: str) -> Response:
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    if form.unmasked.data:
        statuses, sorts = LISTS[name]
        record_audit("export_unmasked", entity_type=name,
                     after={"filters": parse_filters(request.args, statuses, sorts).args(), "format": form.fmt.data})
        db.session.commit()
    return _export_response(name, form.fmt.data, unmasked=bool(form.unmasked.data))


# ---------------------------------------------------------------- imports

def _imports_page(upload_form: UploadForm | None = None, flag_form: FlagImportForm | None = None,
                  status: int = 200) -> tuple[str, int]:
    upload_form = upload_form or UploadForm(formdata=None)
    flag_form = flag_form or FlagImportForm(formdata=None, recorded_on=today())
    return render_template(
        "registry/imports.html", upload_form=upload_form, flag_form=flag_form,
        max_mb=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024),
        max_rows=current_app.config.get("IMPORT_MAX_ROWS", 60000),
    ), status


@bp.route("/imports")
@roles_required(*DISTRICT)
def imports() -> tuple[str, int]:
    return _imports_page()


@bp.errorhandler(RequestEntityTooLarge)
def too_large(err: RequestEntityTooLarge) -> Any:
    mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    if request.endpoint in ("registry.import_upload", "registry.import_flags_upload"):
        flash(_("The file is larger than %(mb)d MB and was not uploaded. Split it into smaller files.", mb=mb),
              "error")
        return redirect(url_for("registry.imports"))
    return err


def _run_preview(meta: dict[str, Any], data: bytes) -> tuple[Preview, Any]:
    """Read the kept file and check every row against the register as it is now."""
    try:
        table = read_kept(meta, data)
        kind = meta["kind"]
        if kind == "people":
            return import_people.preview_people(table)
        if kind == "posts":
            return import_posts.preview_posts(table)
        options = meta["options"]
        return import_flags.preview_flags(table, flag=options["flag"],
                                          recorded_on=dt.date.fromisoformat(options["recorded_on"]))
    except (SpreadsheetError, ImportFileError, RegistryError) as exc:
        return Preview(kind=meta["kind"], rows=[], file_error=str(exc)), None


def _accept_upload(form: Any, kind: str, options: dict[str, Any]) -> Response | None:
    """Keep the file and check it; a redirect to the preview, or None with the error by the file field."""
    upload = form.file.data
    data = upload.read()
    try:
        token = keep_upload(data, upload.filename or "", kind, options, int(current_user.id))
    except SpreadsheetError as exc:
        form.file.errors = list(form.file.errors) + [str(exc)]
        return None
    kept = load_upload(token, int(current_user.id))
    assert kept is not None
    preview, _plan = _run_preview(kept[0], data)
    db.session.rollback()
    if preview.file_error:
        discard_upload(token)
        form.file.errors = list(form.file.errors) + [preview.file_error]
        return None
    save_preview(token, preview)
    tokens = session.get("registry_imports", [])
    session["registry_imports"] = (tokens + [token])[-10:]
    return redirect(url_for("registry.import_preview", token=token))


@bp.route("/imports/upload", methods=["POST"])
@roles_required(*DISTRICT)
def import_upload() -> Any:
    form = UploadForm()
    if form.validate_on_submit():
        result = _accept_upload(form, form.kind.data, {})
        if result is not None:
            return result
    return _imports_page(upload_form=form, status=400)


@bp.route("/imports/flags", methods=["POST"])
@roles_required(*DISTRICT)
def import_flags_upload() -> Any:
    form = FlagImportForm()
    if form.validate_on_submit():
        if form.recorded_on.data > today():
            form.recorded_on.errors = list(form.recorded_on.errors) + [
                _("Date %(d)s is in the future.", d=form.recorded_on.data.isoformat())]
        else:
            options = {"flag": form.flag.data, "recorded_on": form.recorded_on.data.isoformat(),
                       "source": form.source.data.strip(), "note": (form.note.data or "").strip() or None}
            result = _accept_upload(form, "flags", options)
            if result is not None:
                return result
    return _imports_page(flag_form=form, status=400)


def _kept_or_404(token: str) -> tuple[dict[str, Any], bytes]:
    if token not in session.get("registry_imports", []):
        abort(404)
    kept = load_upload(token, int(current_user.id))
    if kept is None:
        abort(404)
    return kept


@bp.route("/imports/<token>")
@roles_required(*DISTRICT)
def import_preview(token: str) -> str:
    meta, data = _kept_or_404(token)
    preview = cached_preview(token)
    if preview is None:
        preview, _plan = _run_preview(meta, data)
        db.session.rollback()
        save_preview(token, preview)
    show = request.args.get("show", "all")
    rows = preview.rows if show != "errors" else preview.errors
    page = _page()
    pages = max(1, -(-len(rows) // PREVIEW_PER_PAGE))
    page = min(page, pages)
    shown = rows[(page - 1) * PREVIEW_PER_PAGE: page * PREVIEW_PER_PAGE]
    return render_template("registry/import_preview.html", token=token, meta=meta, preview=preview, rows=shown,
                           page=page, pages=pages, show=show, counts=preview.counts, action_form=ActionForm(),
                           error_rows=preview.errors)


@bp.route("/imports/<token>/apply", methods=["POST"])
@roles_required(*DISTRICT)
def import_apply(token: str) -> Response:
    meta, data = _kept_or_404(token)
    if not ActionForm().validate_on_submit():
        abort(400)
    preview, plan = _run_preview(meta, data)
    if not preview.ok or plan is None:
        db.session.rollback()
        save_preview(token, preview)
        flash(_("Nothing was imported: %(n)d rows have errors. Correct the file and upload it again.",
                n=len(preview.errors)) if not preview.file_error else preview.file_error, "error")
        return redirect(url_for("registry.import_preview", token=token, show="errors"))
    source = _("Import of %(file)s", file=meta["filename"])
    try:
        if meta["kind"] == "people":
            import_people.apply_people(plan, source=source)
        elif meta["kind"] == "posts":
            import_posts.apply_posts(plan)
        else:
            options = meta["options"]
            import_flags.apply_flags(
                plan, flag=options["flag"], recorded_on=dt.date.fromisoformat(options["recorded_on"]),
                source=options["source"], note=options.get("note"))
    except RegistryError as exc:
        # Checked a moment ago; only a concurrent change gets here, and then nothing is kept.
        db.session.rollback()
        flash(_("Nothing was imported: %(reason)s", reason=exc.message), "error")
        return redirect(url_for("registry.import_preview", token=token))
    counts = preview.counts
    record_audit("import", entity_type="import_" + meta["kind"], after={
        "file": meta["filename"], "new": counts["new"], "update": counts["update"],
        "unchanged": counts["unchanged"], **{k: v for k, v in meta["options"].items()},
    })
    db.session.commit()
    discard_upload(token)
    session["registry_imports"] = [t for t in session.get("registry_imports", []) if t != token]
    flash(_("Imported %(file)s: %(new)d new, %(update)d updated, %(same)d unchanged.", file=meta["filename"],
            new=counts["new"], update=counts["update"], same=counts["unchanged"]), "success")
    return redirect(url_for("registry.imports"))


@bp.route("/imports/<token>/discard", methods=["POST"])
@roles_required(*DISTRICT)
def import_discard(token: str) -> Response:
    _kept_or_404(token)
    if ActionForm().validate_on_submit():
        discard_upload(token)
        session["registry_imports"] = [t for t in session.get("registry_imports", []) if t != token]
        flash(_("The upload was discarded; nothing was imported."), "info")
    return redirect(url_for("registry.imports"))


@bp.route("/imports/template/<any(people, posts, flags):kind>.xlsx")
@roles_required(*DISTRICT)
def import_template(kind: str) -> Response:
    if kind == "people":
        headers, rows = import_people.template_rows()
        text = import_people.TEXT_TEMPLATE_COLUMNS
    elif kind == "posts":
        headers, rows = import_posts.template_rows()
        text = import_posts.TEXT_TEMPLATE_COLUMNS
    else:
        headers, rows, text = import_flags.TEMPLATE_HEADERS, [import_flags.TEMPLATE_EXAMPLE], (0, 1)
    body = xlsx_bytes(headers, rows, text_columns=text, sheet_title=kind)
    response = current_app.response_class(body, mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = f'attachment; filename="template-{kind}.xlsx"'
    return response


# ---------------------------------------------------------------- audit

@bp.route("/audit")
@roles_required(*DISTRICT)
def audit() -> str:
    args = request.args
    stmt = select(AuditEvent).options(joinedload(AuditEvent.actor))
    entity_type = args.get("entity_type", "")
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    action = args.get("action", "")
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    actor = args.get("actor", "")
    if actor.isdigit():
        stmt = stmt.where(AuditEvent.actor_id == int(actor))
    zone = ZoneInfo(current_app.config.get("WARDENS_TIMEZONE", "Asia/Shanghai"))
    errors: list[str] = []
    first, last = _date_arg("from", errors), _date_arg("to", errors)
    if first:
        stmt = stmt.where(AuditEvent.at >= dt.datetime.combine(first, dt.time.min, tzinfo=zone))
    if last:
        stmt = stmt.where(AuditEvent.at < dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone))
    entity_id = args.get("entity_id", "")
    if entity_id.isdigit():
        stmt = stmt.where(AuditEvent.entity_id == int(entity_id))
    pagination = db.paginate(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()), page=_page(),
                             per_page=PER_PAGE, error_out=False)
    types = db.session.scalars(select(distinct(AuditEvent.entity_type)).order_by(AuditEvent.entity_type)).all()
    actions = db.session.scalars(select(distinct(AuditEvent.action)).order_by(AuditEvent.action)).all()
    actors = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template("registry/audit.html", pagination=pagination, types=types, actions=actions,
                           actors=actors, args=args, errors=errors)


def _date_arg(name: str, errors: list[str]) -> dt.date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors.append(_("%(value)s is not a date (use YYYY-MM-DD).", value=raw))
        return None

