"""Establishments: the SIRETs of an organisation, and the owner establishment of each record.

An offer belongs to the establishment of its organisme responsable (issue 22); a site
to the establishment of its SIRET, a contact to its site's. Records of revision 0001
keep a NULL establishment until an import writes them again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "etablissement",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("siret", sa.String(14), nullable=False, unique=True),
        sa.Column("nom", sa.String(250)),
    )
    with op.batch_alter_table("record") as batch:
        batch.add_column(sa.Column("etablissement_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_record_etablissement", "etablissement", ["etablissement_id"], ["id"])
        batch.create_index("ix_record_etablissement", ["etablissement_id"])


def downgrade() -> None:
    with op.batch_alter_table("record") as batch:
        batch.drop_index("ix_record_etablissement")
        batch.drop_constraint("fk_record_etablissement", type_="foreignkey")
        batch.drop_column("etablissement_id")
    op.drop_table("etablissement")
