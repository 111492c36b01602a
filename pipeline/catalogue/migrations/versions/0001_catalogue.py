"""The first catalogue schema: organisations, runs, records and their versions, the lock.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(14), nullable=False, unique=True),
        sa.Column("nom", sa.String(250)),
    )
    op.create_table(
        "run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisation.id")),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("today", sa.Date, nullable=False),
        sa.Column("perimetre", sa.String(10), nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("counts", sa.Text),
    )
    op.create_table(
        "record",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("entity", sa.String(12), nullable=False),
        sa.Column("key", sa.String(210), nullable=False),
        sa.Column("parent_key", sa.String(110)),
        sa.Column("fas_code", sa.BigInteger),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("withdrawn_on", sa.Date),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("digest", sa.String(32), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("created_run_id", sa.Integer, sa.ForeignKey("run.id"), nullable=False),
        sa.Column("updated_run_id", sa.Integer, sa.ForeignKey("run.id"), nullable=False),
        sa.UniqueConstraint("organisation_id", "entity", "key", name="uq_record_key"),
        sa.UniqueConstraint("entity", "fas_code", name="uq_record_fas_code"),
    )
    op.create_index("ix_record_parent", "record", ["organisation_id", "entity", "parent_key"])
    op.create_index("ix_record_updated_run", "record", ["updated_run_id"])
    op.create_table(
        "record_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("record.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id"), nullable=False),
        sa.Column("change", sa.String(12), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("fields", sa.Text),
        sa.UniqueConstraint("record_id", "version", name="uq_record_version"),
    )
    lock = op.create_table(
        "base_lock",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("holder", sa.String(200)),
        sa.Column("since", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(lock, [{"id": 1, "holder": None, "since": None}])


def downgrade() -> None:
    for name in ("base_lock", "record_version", "record", "run", "organisation"):
        op.drop_table(name)
