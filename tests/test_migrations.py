"""`flask db upgrade` builds the schema from nothing, and it matches the models exactly."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import postgres_url
from wardens import create_app
from wardens.extensions import db


def _diff_after_upgrade(url: str) -> list:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k", "WARDENS_ENV": "test"})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        tables = set(inspect(db.engine).get_table_names())
        downgrade(revision="base")
        left = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert set(db.metadata.tables) <= tables
    assert left == set(), "downgrade to base left tables behind"
    return diff


def test_migrations_match_the_models_on_sqlite(tmp_path):
    assert _diff_after_upgrade(f"sqlite:///{tmp_path / 'm.sqlite3'}") == []


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgresql():
    base = postgres_url()
    if base is None:
        pytest.skip("PostgreSQL not reachable (set WARDENS_REQUIRE_POSTGRES=1 to fail instead)")
    # A database of its own (named after this process's test database, so xdist
    # workers and other suites never meet in it): the suite's tables don't interfere.
    own = make_url(base).set(database=make_url(base).database + "_migrations")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    admin.dispose()
    assert _diff_after_upgrade(own.render_as_string(hide_password=False)) == []
