"""attendance days pending recompute after API punches

Revision ID: 0012_attendance_pending
Revises: 0011_attendance_devices
Create Date: 2026-12-06 13:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_attendance_pending'
down_revision = '0011_attendance_devices'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'attendance_pending_day',
        sa.Column('staff_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('centre_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('staff_id', 'day', name=op.f('pk_attendance_pending_day')),
    )
    op.create_index('ix_attendance_pending_day_centre_id_day', 'attendance_pending_day',
                    ['centre_id', 'day'], unique=False)


def downgrade():
    op.drop_index('ix_attendance_pending_day_centre_id_day',
                  table_name='attendance_pending_day')
    op.drop_table('attendance_pending_day')
