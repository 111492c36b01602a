"""Each run's change report kept in the base (issue 29): `fasd changements` writes it again.

An import killed between the base's commit and the swap of its output folder, or an
output folder lost later: the base holds the run, so it holds its report too. One
`run_report` row per applied run (the summary of changes.json: counts per sheet,
organisation, perimeter) and one `run_change` row per change (a line of changes.json,
in the order of changes.csv). Runs applied before this revision have none.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_report",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id"), primary_key=True),
        sa.Column("summary", sa.Text, nullable=False),
    )
    op.create_table(
        "run_change",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("entity", sa.String(12), nullable=False),
        sa.Column("key", sa.String(210), nullable=False),
        sa.Column("change", sa.String(12), nullable=False),
        sa.Column("code_fas", sa.String(80)),
        sa.Column("fields", sa.Text),
        sa.Column("reason", sa.Text),
        sa.UniqueConstraint("run_id", "position", name="uq_run_change_position"),
    )


def downgrade() -> None:
    op.drop_table("run_change")
    op.drop_table("run_report")
