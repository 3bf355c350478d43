"""`flask db upgrade` builds the schema from nothing, and it matches the models exactly; it writes the single rows."""
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

import wardens
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


def _empty_postgres_database(suffix: str) -> str:
    """A PostgreSQL database of its own, emptied (named after this process's test database, so
    xdist workers and other suites never meet in it); skips when PostgreSQL is not reachable."""
    base = postgres_url()
    if base is None:
        pytest.skip("PostgreSQL not reachable (set WARDENS_REQUIRE_POSTGRES=1 to fail instead)")
    own = make_url(base).set(database=make_url(base).database + suffix)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    admin.dispose()
    return own.render_as_string(hide_password=False)


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgresql():
    assert _diff_after_upgrade(_empty_postgres_database("_migrations")) == []


SINGLE_ROWS = ("district_settings", "patrol_settings", "settings_version", "input_revision")
ROWS_MIGRATION = "2d8f55b71a65"  # writes the settings rows (the input revision's is older)


def _single_rows(engine: Engine) -> dict[str, list[dict]]:
    with engine.connect() as conn:
        return {name: [dict(row) for row in conn.execute(
            select(*[c for c in db.metadata.tables[name].c if c.name != "created_at"])).mappings()]
            for name in SINGLE_ROWS}


def test_a_migrated_database_has_the_single_rows_that_create_all_writes(tmp_path):
    # Nothing reads "no row" and writes it on a working database's first requests (the race of
    # the first patrol check-ins), whichever way the database was made.
    made = create_engine(f"sqlite:///{tmp_path / 'made.sqlite3'}")
    db.metadata.create_all(made)
    expected = _single_rows(made)
    made.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}", "SECRET_KEY": "k",
                      "WARDENS_ENV": "test"})
    with app.app_context():
        upgrade()
        assert _single_rows(db.engine) == expected
        db.engine.dispose()
    assert all(len(rows) == 1 for rows in expected.values())


def test_upgrading_keeps_the_single_rows_a_database_already_has(tmp_path):
    before = ScriptDirectory(str(Path(wardens.__file__).parent / "migrations")).get_revision(ROWS_MIGRATION).down_revision
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}", "SECRET_KEY": "k",
                      "WARDENS_ENV": "test"})
    with app.app_context():
        upgrade(revision=before)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO district_settings (id, district_name, office_name, login_max_failures, "
                              "login_lock_minutes) VALUES (1, '金安区', '金安区路长办', 3, 30)"))
            conn.execute(text("INSERT INTO patrol_settings (id, corridor_m, accuracy_limit_m, retention_days, "
                              "absent_days_limit, photo_max_kb) VALUES (1, 350, 100, 365, 0, 1024)"))
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT office_name, login_max_failures FROM district_settings")).all() == [
                ("金安区路长办", 3)]
            assert conn.execute(text("SELECT corridor_m, absent_days_limit FROM patrol_settings")).all() == [(350, 0)]
            assert conn.execute(text("SELECT count(*) FROM settings_version")).scalar() == 1
        db.engine.dispose()


LZ4_QUERY = text("SELECT attname, attcompression FROM pg_attribute WHERE attrelid = 'allocation_run'::regclass "
                 "AND attname IN ('problem', 'result', 'digest')")


@pytest.mark.postgres
def test_a_run_s_json_is_stored_with_lz4_on_postgresql_however_the_database_was_made():
    url = _empty_postgres_database("_lz4")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k", "WARDENS_ENV": "test"})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            migrated = dict(conn.execute(LZ4_QUERY).all())
        downgrade(revision="base")
        db.create_all()
        with db.engine.connect() as conn:
            created = dict(conn.execute(LZ4_QUERY).all())
        db.drop_all()
        db.engine.dispose()
    assert migrated == created == {"problem": "l", "result": "l", "digest": "l"}
