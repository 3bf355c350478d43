"""The site-wide audit trail: every event, filtered by record type, action, person and dates."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from sqlalchemy import distinct, select
from sqlalchemy.orm import joinedload

from ..access import DISTRICT, roles_required
from ..dates import district_zone
from ..extensions import db
from ..models import AuditEvent, User
from ..record_ids import page_number, record_id
from .actions import action_label
from .forms import TrailDatesForm
from .reading import entity_label, readable

bp = Blueprint("audit", __name__)
PER_PAGE = 50


@bp.route("/audit")
@roles_required(*DISTRICT)
def trail() -> str:
    args = request.args
    stmt = select(AuditEvent).options(joinedload(AuditEvent.actor))
    entity_type = args.get("entity_type", "")
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    action = args.get("action", "")
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    actor = record_id(args.get("actor"))
    if actor is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor)
    zone = district_zone()
    dates = TrailDatesForm(args)
    dates.validate()
    errors = [*dates.first.errors, *dates.last.errors]
    first, last = dates.first.data, dates.last.data
    if first:
        stmt = stmt.where(AuditEvent.at >= dt.datetime.combine(first, dt.time.min, tzinfo=zone))
    # The calendar's last day has no next day to stop before: it leaves the range open.
    if last and last < dt.date.max:
        stmt = stmt.where(AuditEvent.at < dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone))
    entity_id = record_id(args.get("entity_id"))
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    pagination = db.paginate(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()),
                             page=page_number(args.get("page")), per_page=PER_PAGE, error_out=False)
    # The filters offer what the trail holds, each by its name, in the reader's order.
    types = sorted(((t, entity_label(t)) for t in db.session.scalars(select(distinct(AuditEvent.entity_type)))),
                   key=lambda kv: kv[1])
    actions = sorted(((a, action_label(a)) for a in db.session.scalars(select(distinct(AuditEvent.action)))),
                     key=lambda kv: kv[1])
    actors = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template("audit/trail.html", pagination=pagination, entries=readable(list(pagination.items)),
                           types=types, actions=actions, actors=actors, args=args, errors=errors)

