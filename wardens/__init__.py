"""wardens: the district road-chief office's site for rural road public-welfare posts."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from . import backup, database, i18n, logs, web
from .config import load_config
from .extensions import babel, csrf, db, login_manager, migrate
from .views import Site

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Site:
    """Build the site. test_config overrides the environment (tests pass the DB URL here)."""
    app = Site(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    overrides = dict(test_config or {})
    env = None
    if overrides:
        env = dict(os.environ)
        env.setdefault("WARDENS_ENV", overrides.get("WARDENS_ENV", "test"))
        if "SECRET_KEY" in overrides:
            env["SECRET_KEY"] = overrides["SECRET_KEY"]
    app.config.update(load_config(app, env))
    app.config.update(overrides)

    logs.init_app(app)
    database.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale, timezone_selector=web.select_timezone)
    i18n.init_app(app)
    web.init_app(app)
    backup.init_app(app)
    return app
