"""The column mappings an establishment chose on the page (issue 28 item 5).

An organisation whose own export the page did not understand names the field of each
of its headers once (the page's « correspondance des colonnes » step); the choice is
kept here, per establishment (SIRET) and per set of headers (`signature`: SHA-256 of
the folded headers, sorted), and used again, without asking, on its next upload of a
file with the same headers. `mapping` is the mapping file itself (the `fasd colonnes`
format, readers/mapping.py), `headers` the headers as JSON, for people.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "column_mapping",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("siret", sa.String(14), nullable=False),
        sa.Column("signature", sa.String(64), nullable=False),
        sa.Column("headers", sa.Text, nullable=False),
        sa.Column("mapping", sa.Text, nullable=False),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id")),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("siret", "signature", name="uq_column_mapping_siret_signature"),
    )


def downgrade() -> None:
    op.drop_table("column_mapping")
