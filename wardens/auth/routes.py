"""Log in, log out, change password, switch language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from ..access import EVERYONE, public, roles_required
from ..database import reads_first
from ..models import get_settings
from ..security import start_session_clock
from ..auth.passwords import verify_password
from .forms import LanguageForm, LoginForm, LogoutForm, PasswordForm
from .operations import authenticate, change_password, end_session, set_locale

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute URL in ?next= would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("core.home")


@bp.route("/login", methods=["GET", "POST"])
@public
@reads_first
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        outcome = authenticate(form.username.data or "", form.password.data or "", request.remote_addr or "-")
        if outcome.user is not None:
            login_user(outcome.user)
            start_session_clock()
            session["lang"] = outcome.user.locale or session.get("lang", "zh")
            return redirect(_safe_next(request.args.get("next")))
        if outcome.address_wait_seconds:
            form.password.errors.append(_(
                "Too many failed logins from this computer. Wait %(n)d seconds and try again.",
                n=outcome.address_wait_seconds,
            ))
        else:
            # One message for a wrong password, an unknown name and a locked account:
            # a different one for the lock told an outsider which usernames exist.
            settings = get_settings()
            form.password.errors.append(_(
                "Wrong username or password. After %(n)d failed logins in a row an account is locked "
                "for %(m)d minutes.", n=settings.login_max_failures, m=settings.login_lock_minutes,
            ))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@roles_required(*EVERYONE)
def logout() -> Response:
    form = LogoutForm()
    if form.validate_on_submit():
        end_session(current_user)
        logout_user()
        flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def password() -> str | Response:
    form = PasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current.data or ""):
            form.current.errors.append(_("The current password is wrong."))
        else:
            user = current_user._get_current_object()  # the User itself, not the proxy
            change_password(user, form.new.data or "")
            login_user(user)  # the new token; other sessions are now logged out
            flash(_("Your password has been changed. Other devices have been logged out."), "success")
            return redirect(url_for("core.home"))
    return render_template("auth/password.html", form=form)


@bp.route("/language", methods=["POST"])
@public
def language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            set_locale(current_user, form.lang.data or "zh")
    return redirect(_safe_next(request.form.get("next")))
