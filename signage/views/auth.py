"""Sign-in, sign-out, language choice and the role decorator."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from signage.extensions import db, limiter, login_manager
from signage.forms import LoginForm
from signage.models import User

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(token: str) -> User | None:
    user_id, _sep, version = token.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or str(user.session_version) != version or not user.active:
        return None
    return user


def roles_required(*roles: str):
    """Allow the view only to signed-in users holding one of `roles` (admins hold every role)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def safe_next(target: str | None) -> str:
    r"""`target` when it is a path on this site, else the dashboard.

    Browsers drop tabs and line breaks inside a URL and read a backslash as a slash, so "/%09/evil.example"
    (a tab, decoded) and "/\evil.example" lead off-site like "//evil.example": a target with any control
    character, space or backslash is refused, and what is left must be a path with neither scheme nor host."""
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ch <= " " or ch == "\x7f" for ch in target)):
        return url_for("dashboard.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("dashboard.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user is not None and user.active and user.check_password(form.password.data):
            session.clear()
            login_user(user, remember=form.remember.data)
            session.permanent = True
            return redirect(safe_next(request.args.get("next")))
        flash(_("Wrong username or password."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # Ends this account's sessions everywhere, not only this cookie: a copy taken before sign-out is dead too.
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    return redirect(safe_next(request.form.get("next")))
