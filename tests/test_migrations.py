"""`flask db upgrade` builds the schema from nothing, and it matches the models exactly."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

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
    # A database of its own, so the suite's tables in `test` don't interfere.
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS wardens_migrations WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE wardens_migrations"))
    admin.dispose()
    url = base.rsplit("/", 1)[0] + "/wardens_migrations"
    assert _diff_after_upgrade(url) == []
