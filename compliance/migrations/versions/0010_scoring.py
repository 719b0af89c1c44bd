"""scores (daily, quarterly, annual) and monthly case figures

Revision ID: 0010_scoring
Revises: 0009_camera
Create Date: 2026-12-06 08:16:20.205222

"""
from alembic import op
import sqlalchemy as sa

import compliance.db


# revision identifiers, used by Alembic.
revision = '0010_scoring'
down_revision = '0009_camera'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_figure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('handled', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.Column('on_spot', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('created_at', compliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', compliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('handled >= 0', name=op.f('ck_case_figure_handled_not_negative')),
    sa.CheckConstraint('on_spot >= 0 AND on_spot <= handled', name=op.f('ck_case_figure_on_spot_range')),
    sa.CheckConstraint('on_time >= 0 AND on_time <= handled', name=op.f('ck_case_figure_on_time_range')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_case_figure_centre_id_centre')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_case_figure_department_id_department')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_case_figure_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_figure')),
    sa.UniqueConstraint('staff_id', 'month', name=op.f('uq_case_figure_staff_id_month'))
    )
    with op.batch_alter_table('case_figure', schema=None) as batch_op:
        batch_op.create_index('ix_case_figure_centre_id_month', ['centre_id', 'month'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_figure_department_id'), ['department_id'], unique=False)

    op.create_table('score_annual',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('assessed_quarters', sa.Integer(), nullable=False),
    sa.Column('rostered_days', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('deductions', sa.JSON(), nullable=False),
    sa.Column('deduction_points', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('assessed', sa.Boolean(), nullable=False),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('rank_centre', sa.Integer(), nullable=True),
    sa.Column('rank_department', sa.Integer(), nullable=True),
    sa.Column('honour', sa.Boolean(), nullable=False),
    sa.Column('rulebook_version', sa.String(length=40), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('computed_at', compliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_score_annual_centre_id_centre')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_score_annual_department_id_department')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_score_annual_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_annual')),
    sa.UniqueConstraint('staff_id', 'year', name=op.f('uq_score_annual_staff_id_year'))
    )
    with op.batch_alter_table('score_annual', schema=None) as batch_op:
        batch_op.create_index('ix_score_annual_centre_id_year', ['centre_id', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_annual_department_id'), ['department_id'], unique=False)

    op.create_table('score_daily',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('attendance_points', sa.Integer(), nullable=False),
    sa.Column('conduct_points', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('deductions', sa.JSON(), nullable=False),
    sa.Column('deduction_points', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('assessed', sa.Boolean(), nullable=False),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('rank_centre', sa.Integer(), nullable=True),
    sa.Column('rank_department', sa.Integer(), nullable=True),
    sa.Column('honour', sa.Boolean(), nullable=False),
    sa.Column('rulebook_version', sa.String(length=40), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('computed_at', compliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_score_daily_centre_id_centre')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_score_daily_department_id_department')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_score_daily_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_daily')),
    sa.UniqueConstraint('staff_id', 'day', name=op.f('uq_score_daily_staff_id_day'))
    )
    with op.batch_alter_table('score_daily', schema=None) as batch_op:
        batch_op.create_index('ix_score_daily_centre_id_day', ['centre_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_daily_department_id'), ['department_id'], unique=False)

    op.create_table('score_quarterly',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('rostered_days', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('deductions', sa.JSON(), nullable=False),
    sa.Column('deduction_points', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('assessed', sa.Boolean(), nullable=False),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('rank_centre', sa.Integer(), nullable=True),
    sa.Column('rank_department', sa.Integer(), nullable=True),
    sa.Column('honour', sa.Boolean(), nullable=False),
    sa.Column('rulebook_version', sa.String(length=40), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('computed_at', compliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quarter BETWEEN 1 AND 4', name=op.f('ck_score_quarterly_quarter_range')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_score_quarterly_centre_id_centre')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_score_quarterly_department_id_department')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_score_quarterly_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_quarterly')),
    sa.UniqueConstraint('staff_id', 'year', 'quarter', name=op.f('uq_score_quarterly_staff_id_year_quarter'))
    )
    with op.batch_alter_table('score_quarterly', schema=None) as batch_op:
        batch_op.create_index('ix_score_quarterly_centre_id_year', ['centre_id', 'year', 'quarter'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_quarterly_department_id'), ['department_id'], unique=False)



    # The sessions that cost points, read per quarter by the scores (see
    # compliance.scoring.models.ATTENDANCE_STATUS_INDEX).
    with op.batch_alter_table('attendance_session', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_session_centre_id_status_day',
                              ['centre_id', 'status', 'day'], unique=False)


def downgrade():
    with op.batch_alter_table('attendance_session', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_session_centre_id_status_day')

    with op.batch_alter_table('score_quarterly', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_quarterly_department_id'))
        batch_op.drop_index('ix_score_quarterly_centre_id_year')

    op.drop_table('score_quarterly')
    with op.batch_alter_table('score_daily', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_daily_department_id'))
        batch_op.drop_index('ix_score_daily_centre_id_day')

    op.drop_table('score_daily')
    with op.batch_alter_table('score_annual', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_annual_department_id'))
        batch_op.drop_index('ix_score_annual_centre_id_year')

    op.drop_table('score_annual')
    with op.batch_alter_table('case_figure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_figure_department_id'))
        batch_op.drop_index('ix_case_figure_centre_id_month')

    op.drop_table('case_figure')
