"""desk schema: catalogue, organisation, calendar, case log and projection

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('applicants',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('id_type', sa.String(length=16), nullable=False),
    sa.Column('id_number', sa.String(length=32), nullable=True),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applicants')),
    sa.UniqueConstraint('id_number', name=op.f('uq_applicants_id_number'))
    )
    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applicants_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_applicants_phone'), ['phone'], unique=False)

    op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('installed_at', sa.String(length=32), nullable=False),
    sa.Column('installed_by', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years'))
    )
    op.create_table('cases',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('case_number', sa.String(length=32), nullable=True),
    sa.Column('inquiry_number', sa.String(length=32), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('item_code', sa.String(length=64), nullable=True),
    sa.Column('item_version', sa.String(length=32), nullable=True),
    sa.Column('item_name', sa.Text(), nullable=False),
    sa.Column('immediate', sa.Integer(), nullable=False),
    sa.Column('limit_days', sa.Integer(), nullable=False),
    sa.Column('statutory_days', sa.Integer(), nullable=False),
    sa.Column('applicant_name', sa.Text(), nullable=False),
    sa.Column('applicant_id_type', sa.String(length=16), nullable=False),
    sa.Column('applicant_id_number', sa.String(length=32), nullable=False),
    sa.Column('applicant_phone', sa.String(length=32), nullable=False),
    sa.Column('applicant_address', sa.Text(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('first_clerk', sa.String(length=32), nullable=False),
    sa.Column('first_window', sa.String(length=16), nullable=False),
    sa.Column('holder_window', sa.String(length=16), nullable=False),
    sa.Column('holder_clerk', sa.String(length=32), nullable=False),
    sa.Column('received_on', sa.String(length=10), nullable=True),
    sa.Column('decision_base_on', sa.String(length=10), nullable=True),
    sa.Column('notice_deadline', sa.String(length=10), nullable=True),
    sa.Column('received_materials', sa.Text(), nullable=False),
    sa.Column('missing_materials', sa.Text(), nullable=False),
    sa.Column('outstanding_additions', sa.Text(), nullable=False),
    sa.Column('notice_materials', sa.Text(), nullable=False),
    sa.Column('notice_additions', sa.Text(), nullable=False),
    sa.Column('notice_issued_on', sa.String(length=10), nullable=True),
    sa.Column('notice_count', sa.Integer(), nullable=False),
    sa.Column('notice_overrides', sa.Integer(), nullable=False),
    sa.Column('supplements_completed_on', sa.String(length=10), nullable=True),
    sa.Column('accepted_on', sa.String(length=10), nullable=True),
    sa.Column('deemed_accepted', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.String(length=10), nullable=True),
    sa.Column('warn_date', sa.String(length=10), nullable=True),
    sa.Column('due_assumed', sa.Integer(), nullable=False),
    sa.Column('extension_days', sa.Integer(), nullable=False),
    sa.Column('suspensions', sa.Text(), nullable=False),
    sa.Column('refused_on', sa.String(length=10), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=False),
    sa.Column('refusal_basis', sa.Text(), nullable=False),
    sa.Column('refusal_redirect', sa.Text(), nullable=False),
    sa.Column('completed_on', sa.String(length=10), nullable=True),
    sa.Column('result', sa.String(length=8), nullable=True),
    sa.Column('result_reason', sa.Text(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=True),
    sa.Column('workdays_taken', sa.Integer(), nullable=True),
    sa.Column('delivered_on', sa.String(length=10), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=False),
    sa.Column('rated_on', sa.String(length=10), nullable=True),
    sa.Column('withdrawn_on', sa.String(length=10), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=False),
    sa.Column('referral_to_window', sa.String(length=16), nullable=True),
    sa.Column('referral_reason', sa.Text(), nullable=False),
    sa.Column('referral_offered_at', sa.String(length=32), nullable=True),
    sa.Column('referral_from_window', sa.String(length=16), nullable=True),
    sa.Column('referral_from_clerk', sa.String(length=32), nullable=True),
    sa.Column('status_before_referral', sa.String(length=24), nullable=True),
    sa.Column('referral_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.Column('event_count', sa.Integer(), nullable=False),
    sa.Column('heads', sa.Text(), nullable=False),
    sa.Column('last_hlc', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_cases')),
    sa.UniqueConstraint('case_number', name=op.f('uq_cases_case_number')),
    sa.UniqueConstraint('inquiry_number', name=op.f('uq_cases_inquiry_number'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_applicant_id_number', ['applicant_id_number'], unique=False)
        batch_op.create_index('ix_cases_applicant_name', ['applicant_name'], unique=False)
        batch_op.create_index('ix_cases_applicant_phone', ['applicant_phone'], unique=False)
        batch_op.create_index('ix_cases_holder', ['holder_window', 'status'], unique=False)
        batch_op.create_index('ix_cases_received_on', ['received_on', 'holder_window'], unique=False)
        batch_op.create_index('ix_cases_referral', ['referral_to_window', 'referral_offered_at'], unique=False)
        batch_op.create_index('ix_cases_status_due', ['status', 'due_date'], unique=False)

    op.create_table('catalogue_versions',
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('published', sa.String(length=10), nullable=False),
    sa.Column('publisher', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.String(length=32), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_catalogue_versions')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_catalogue_versions_content_hash'))
    )
    op.create_table('clerks',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_clerks'))
    )
    op.create_table('events',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('payload_version', sa.Integer(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=32), nullable=False),
    sa.Column('window', sa.String(length=16), nullable=False),
    sa.Column('node', sa.String(length=8), nullable=False),
    sa.Column('recorded_at', sa.String(length=32), nullable=False),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.Column('parents', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_events_event_id'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_case_id_hlc', ['case_id', 'hlc'], unique=False)

    op.create_table('meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_meta'))
    )
    op.create_table('number_sequences',
    sa.Column('node', sa.String(length=8), nullable=False),
    sa.Column('scope', sa.String(length=8), nullable=False),
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('node', 'scope', 'day', name=op.f('pk_number_sequences'))
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('windows',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('department', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_windows'))
    )
    op.create_table('clerk_windows',
    sa.Column('clerk_code', sa.String(length=32), nullable=False),
    sa.Column('window_code', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['clerk_code'], ['clerks.code'], name=op.f('fk_clerk_windows_clerk_code_clerks')),
    sa.ForeignKeyConstraint(['window_code'], ['windows.code'], name=op.f('fk_clerk_windows_window_code_windows')),
    sa.PrimaryKeyConstraint('clerk_code', 'window_code', name=op.f('pk_clerk_windows'))
    )
    op.create_table('service_items',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('window_code', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('committed_limit', sa.Integer(), nullable=False),
    sa.Column('statutory_limit', sa.Integer(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['version'], ['catalogue_versions.version'], name=op.f('fk_service_items_version_catalogue_versions')),
    sa.ForeignKeyConstraint(['window_code'], ['windows.code'], name=op.f('fk_service_items_window_code_windows')),
    sa.PrimaryKeyConstraint('code', 'version', name=op.f('pk_service_items'))
    )


def downgrade() -> None:
    op.drop_table('service_items')
    op.drop_table('clerk_windows')
    op.drop_table('windows')
    op.drop_table('settings')
    op.drop_table('number_sequences')
    op.drop_table('meta')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_case_id_hlc')

    op.drop_table('events')
    op.drop_table('clerks')
    op.drop_table('catalogue_versions')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_due')
        batch_op.drop_index('ix_cases_referral')
        batch_op.drop_index('ix_cases_received_on')
        batch_op.drop_index('ix_cases_holder')
        batch_op.drop_index('ix_cases_applicant_phone')
        batch_op.drop_index('ix_cases_applicant_name')
        batch_op.drop_index('ix_cases_applicant_id_number')

    op.drop_table('cases')
    op.drop_table('calendar_years')
    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicants_phone'))
        batch_op.drop_index(batch_op.f('ix_applicants_name'))

    op.drop_table('applicants')
