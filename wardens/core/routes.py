from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..access import EVERYONE, visible_township_id, roles_required
from ..dates import today
from ..models import Role, Township
from ..extensions import db
from .glance import district_glance
from .worklist import worklist

bp = Blueprint("core", __name__)


@bp.route("/")
@roles_required(*EVERYONE)
def home() -> str | Response:
    if current_user.role == Role.WARDEN:
        return redirect(url_for("portal.index"))
    township_id = visible_township_id()
    day = today()
    glance = district_glance(day, township_id)
    township = db.session.get(Township, township_id) if township_id else None
    return render_template("core/home.html", glance=glance, day=day, township=township,
                           work=worklist(current_user.role, day, township_id))
