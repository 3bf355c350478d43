"""The road chief's own account (a role, and the sections a chief account is chief of); KMZ lines

Revision ID: 9a4c2e7f1b30
Revises: 6a7b8c9d0e12
Create Date: 2026-12-01 14:00:00

A post kept its road chief (路长) as a name and a phone only; the chief could not log in.
`post.road_chief_id` names the chief's account; the user's role CHECK learns `road_chief`,
and a road chief, like a clerk, belongs to a township. A road line may now come from a KMZ.
"""
from alembic import op
import sqlalchemy as sa

revision = '9a4c2e7f1b30'
down_revision = '6a7b8c9d0e12'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('admin', 'office', 'clerk', 'warden')"
NEW_ROLES = "role IN ('admin', 'office', 'clerk', 'warden', 'road_chief')"
OLD_SOURCES = "source IN ('gpx', 'kml', 'geojson', 'drawn', 'demo')"
NEW_SOURCES = "source IN ('gpx', 'kml', 'kmz', 'geojson', 'drawn', 'demo')"


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_role_known'), NEW_ROLES)
        batch_op.create_check_constraint(op.f('ck_user_road_chief_has_township'),
                                         "role <> 'road_chief' OR township_id IS NOT NULL")
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('road_chief_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_post_road_chief_id'), ['road_chief_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_post_road_chief_id_user'), 'user', ['road_chief_id'], ['id'])
    with op.batch_alter_table('road_line', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_road_line_source_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_road_line_source_known'), NEW_SOURCES)


def downgrade():
    op.execute("UPDATE road_line SET source = 'kml' WHERE source = 'kmz'")
    with op.batch_alter_table('road_line', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_road_line_source_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_road_line_source_known'), OLD_SOURCES)
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_post_road_chief_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_post_road_chief_id'))
        batch_op.drop_column('road_chief_id')
    # A chief's account stays (its audit trail points at it) but cannot log in, as a clerk of its township.
    op.execute("UPDATE \"user\" SET role = 'clerk', active = false WHERE role = 'road_chief'")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_road_chief_has_township'), type_='check')
        batch_op.drop_constraint(op.f('ck_user_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_role_known'), OLD_ROLES)
