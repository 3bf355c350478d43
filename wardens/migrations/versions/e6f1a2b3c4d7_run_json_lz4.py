"""allocation_run: lz4 compression for the problem, the result head and the digest (PostgreSQL)

Revision ID: e6f1a2b3c4d7
Revises: 2d8f55b71a65
Create Date: 2026-12-01 17:25:00

A county's run stores about 1 MB of JSON; PostgreSQL's default pglz took 13 ms to store the
problem, lz4 5 ms. Values written before keep their compression until rewritten. A server
without lz4 keeps pglz (the block notices and goes on). Nothing changes on SQLite.
"""
from alembic import op

from wardens.models.rounds import LZ4_COLUMNS, lz4_compression_sql


revision = 'e6f1a2b3c4d7'
down_revision = '2d8f55b71a65'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(lz4_compression_sql("allocation_run", LZ4_COLUMNS))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DO $$ BEGIN " + "; ".join(
            f"EXECUTE 'ALTER TABLE allocation_run ALTER COLUMN {c} SET COMPRESSION default'" for c in LZ4_COLUMNS)
            + "; EXCEPTION WHEN OTHERS THEN NULL; END $$")
