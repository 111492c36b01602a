"""Validation before publication (issue 25): the state of each action, the published
version of each offer record, decisions in the history, the base's settings, refused runs,
the log of the flows written for partners.

A base upgraded from 0002 keeps publishing what it published: every offer record's
current version becomes its published version and every action is `validee`.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "base_setting",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    op.create_table(
        "flux_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("partenaire", sa.String(100), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("depuis", sa.Date),
        sa.Column("formations", sa.Integer, nullable=False),
        sa.Column("delta_formations", sa.Integer),
        sa.Column("retraits", sa.Integer),
        sa.Column("files", sa.Text, nullable=False),
    )
    op.create_index("ix_flux_log_partenaire", "flux_log", ["partenaire"])
    with op.batch_alter_table("record") as batch:
        batch.add_column(sa.Column("published_version", sa.Integer, nullable=True))
        batch.add_column(sa.Column("etat", sa.String(24), nullable=True))
        batch.add_column(sa.Column("etat_note", sa.Text, nullable=True))
        batch.add_column(sa.Column("certifinfo_remplace", sa.String(20), nullable=True))
    with op.batch_alter_table("record_version") as batch:
        batch.alter_column("run_id", existing_type=sa.Integer, nullable=True)
        batch.add_column(sa.Column("decided_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("note", sa.Text, nullable=True))
    with op.batch_alter_table("run") as batch:
        batch.add_column(sa.Column("refused", sa.Text, nullable=True))
    offer = ("formation", "action", "session", "dispositif")
    record = sa.table(
        "record", sa.column("entity"), sa.column("version"), sa.column("published_version"), sa.column("etat")
    )
    op.execute(record.update().where(record.c.entity.in_(offer)).values(published_version=record.c.version))
    op.execute(record.update().where(record.c.entity == "action").values(etat="validee"))


def downgrade() -> None:
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35, PostgreSQL): a batch copy of `run` or
    # `record` would drop a table other tables' foreign keys point at
    for table, column in (
        ("run", "refused"),
        ("record", "certifinfo_remplace"),
        ("record", "etat_note"),
        ("record", "etat"),
        ("record", "published_version"),
        ("record_version", "note"),
        ("record_version", "decided_at"),
        ("record_version", "decided_by"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.execute("DELETE FROM record_version WHERE run_id IS NULL")  # the decisions: no run to keep them by
    with op.batch_alter_table("record_version") as batch:
        batch.alter_column("run_id", existing_type=sa.Integer, nullable=False)
    op.drop_index("ix_flux_log_partenaire", table_name="flux_log")
    op.drop_table("flux_log")
    op.drop_table("base_setting")
