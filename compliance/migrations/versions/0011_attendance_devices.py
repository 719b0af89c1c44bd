"""time clock user ids on staff; recomputed day count on punch batches

Revision ID: 0011_attendance_devices
Revises: 0010_scoring
Create Date: 2026-12-06 11:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_attendance_devices'
down_revision = '0010_scoring'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_user_id', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_staff_centre_id_device_user_id'),
                                          ['centre_id', 'device_user_id'])

    with op.batch_alter_table('punch_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('days', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('punch_batch', schema=None) as batch_op:
        batch_op.alter_column('days', server_default=None)


def downgrade():
    with op.batch_alter_table('punch_batch', schema=None) as batch_op:
        batch_op.drop_column('days')

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_staff_centre_id_device_user_id'), type_='unique')
        batch_op.drop_column('device_user_id')
