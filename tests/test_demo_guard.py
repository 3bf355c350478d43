"""`flask demo load` refuses a production database unless the flag that says what it adds is given."""
from __future__ import annotations

from sqlalchemy import func, select

from wardens import create_app
from wardens.extensions import db
from wardens.models import Person, User


def _app(database_url, env):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "k", "WARDENS_ENV": env})
    app.config["WARDENS_ENV"] = env
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
    return app


def _counts(app):
    with app.app_context():
        counts = (db.session.scalar(select(func.count()).select_from(User)),
                  db.session.scalar(select(func.count()).select_from(Person)))
        db.session.remove()
        return counts


def test_production_refuses_the_demo_and_adds_nothing(database_url):
    app = _app(database_url, "production")
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 1
    assert "WARDENS_ENV is production" in result.output and "Nothing was loaded" in result.output
    assert "--add-demo-logins-and-made-up-people" in result.output
    assert _counts(app) == (0, 0)
    with app.app_context():
        db.engine.dispose()


def test_production_with_the_flag_loads_it(database_url, monkeypatch):
    import wardens.demo.cli as cli

    calls = []
    monkeypatch.setattr(cli, "load_demo", lambda **kw: calls.append(kw) or (_ for _ in ()).throw(cli.DemoError("stop")))
    app = _app(database_url, "production")
    result = app.test_cli_runner().invoke(args=["demo", "load", "--add-demo-logins-and-made-up-people"])
    assert "WARDENS_ENV is production" not in result.output
    assert len(calls) == 1  # it reached the loader
    with app.app_context():
        db.engine.dispose()
