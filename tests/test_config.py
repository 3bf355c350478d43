import pytest
from sqlalchemy import text

from wardens import create_app
from wardens.config import ConfigError, load_config
from wardens.extensions import db


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    from flask import Flask

    app = Flask(__name__, instance_path=str(tmp_path))
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_config(app, {"WARDENS_ENV": "production"})
    config = load_config(app, {"WARDENS_ENV": "production", "SECRET_KEY": "s" * 40})
    assert config["SECRET_KEY"] == "s" * 40
    assert config["SESSION_COOKIE_SECURE"] is True


def test_development_keeps_a_generated_key(tmp_path):
    from flask import Flask

    app = Flask(__name__, instance_path=str(tmp_path))
    first = load_config(app, {"WARDENS_ENV": "development"})["SECRET_KEY"]
    assert len(first) >= 32
    assert load_config(app, {"WARDENS_ENV": "development"})["SECRET_KEY"] == first


def test_database_url_comes_from_the_environment(tmp_path):
    from flask import Flask

    app = Flask(__name__, instance_path=str(tmp_path))
    config = load_config(app, {"WARDENS_ENV": "test", "DATABASE_URL": "postgresql+psycopg://x@h/db"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://x@h/db"
    default = load_config(app, {"WARDENS_ENV": "test"})["SQLALCHEMY_DATABASE_URI"]
    assert default.startswith("sqlite:///") and default.endswith("wardens.sqlite3")


def test_bad_settings_are_named(tmp_path):
    from flask import Flask

    app = Flask(__name__, instance_path=str(tmp_path))
    with pytest.raises(ConfigError, match="WARDENS_ENV"):
        load_config(app, {"WARDENS_ENV": "staging"})
    with pytest.raises(ConfigError, match="WARDENS_MAX_UPLOAD_MB"):
        load_config(app, {"WARDENS_ENV": "test", "WARDENS_MAX_UPLOAD_MB": "ten"})


def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}", "SECRET_KEY": "k"})
    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        db.session.rollback()
        db.engine.dispose()
