"""Configuration read from the environment when the app is created (never at import)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from . import jsoncodec

AREA_TRANSLATIONS = (
    "translations",
    "admin/translations",
    "registry/translations",
    "attendance/translations",
    "reallocation/translations",
    "portal/translations",
    "audit/translations",
    "patrol/translations",
)


# The district's time zone unless WARDENS_TIMEZONE says otherwise; read through dates.district_zone().
DISTRICT_TIMEZONE = "Asia/Shanghai"


class ConfigError(RuntimeError):
    """The environment does not give the site what it needs to start safely."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _dev_secret_key(instance_path: str) -> str:
    """A per-machine key kept in the instance folder so dev sessions survive restarts."""
    path = Path(instance_path) / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def load_config(app: Flask, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the configuration from environment variables (the README's table)."""
    env = os.environ if env is None else env
    os.makedirs(app.instance_path, exist_ok=True)
    mode = env.get("WARDENS_ENV", "production").strip().lower()
    if mode not in {"production", "development", "test"}:
        raise ConfigError(f"WARDENS_ENV must be production, development or test, got {mode!r}")

    secret = env.get("SECRET_KEY", "")
    if not secret:
        if mode == "production":
            raise ConfigError(
                "SECRET_KEY is not set. Set it to a long random string "
                "(python -c 'import secrets; print(secrets.token_hex(32))') "
                "or set WARDENS_ENV=development on a developer's machine."
            )
        secret = _dev_secret_key(app.instance_path)

    default_db = "sqlite:///" + os.path.join(app.instance_path, "wardens.sqlite3")
    here = Path(app.root_path)
    return {
        "WARDENS_ENV": mode,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL", default_db),
        # hide_parameters: a database error's text would otherwise carry the bound
        # values (ID numbers, phones) into the error log. JSON columns through orjson
        # (jsoncodec: a county's run is 2 MB of JSON).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True, **jsoncodec.engine_options()},
        "MAX_CONTENT_LENGTH": _int(env, "WARDENS_MAX_UPLOAD_MB", 10) * 1024 * 1024,
        "IMPORT_MAX_ROWS": _int(env, "WARDENS_IMPORT_MAX_ROWS", 60000),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("WARDENS_SECURE_COOKIES"), mode == "production"),
        "REMEMBER_COOKIE_SECURE": _bool(env.get("WARDENS_SECURE_COOKIES"), mode == "production"),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": env.get("WARDENS_DEFAULT_LOCALE", "zh"),
        "BABEL_DEFAULT_TIMEZONE": env.get("WARDENS_TIMEZONE", DISTRICT_TIMEZONE),
        "BABEL_TRANSLATION_DIRECTORIES": ";".join(str(here / d) for d in AREA_TRANSLATIONS),
        "WARDENS_TIMEZONE": env.get("WARDENS_TIMEZONE", DISTRICT_TIMEZONE),
        # Patrol photos, outside the static folder, served only through an access check
        # (unset: <instance folder>/patrol-photos).
        "PATROL_PHOTO_DIR": env.get("WARDENS_PATROL_PHOTO_DIR") or None,
        "SQLITE_BUSY_TIMEOUT_MS": _int(env, "WARDENS_SQLITE_BUSY_TIMEOUT_MS", 15000),
        "LOG_LEVEL": env.get("WARDENS_LOG_LEVEL", "INFO").strip().upper() or "INFO",
        "SESSION_IDLE_MINUTES": _int(env, "WARDENS_SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": _int(env, "WARDENS_SESSION_MAX_HOURS", 12),
        "TRUSTED_PROXIES": _int(env, "WARDENS_TRUSTED_PROXIES", 0),
    }
