"""The tables of the catalogue base (SQLAlchemy Core), one definition for SQLite and PostgreSQL.

One `record` table holds every entity (site, contact, formation, action, session,
dispositif), keyed by organisation (SIREN), entity and key, and owned by an
establishment (SIRET, `etablissement`): the offer is a tree whose shape
the pipeline already checks, and one table keeps the upsert, the history and the
withdrawal one code path. The fields travel as canonical JSON text (`content`),
compared through `digest`, so re-applying an unchanged file reads digests only.
The Alembic migrations in `migrations/versions` create exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

organisation = Table(
    "organisation",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(14), nullable=False, unique=True),  # SIREN
    Column("nom", String(250)),  # the name of its first establishment met
)

etablissement = Table(  # an establishment (SIRET) of an organisation: the owner of offers (issue 22)
    "etablissement",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organisation_id", Integer, ForeignKey("organisation.id"), nullable=False),
    Column("siret", String(14), nullable=False, unique=True),
    Column("nom", String(250)),  # the name of the site carrying that SIRET, as last imported
)

run = Table(
    "run",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organisation_id", Integer, ForeignKey("organisation.id")),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("locked_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("today", Date, nullable=False),
    Column("perimetre", String(10), nullable=False),
    Column("inputs", Text, nullable=False),  # JSON: [{name, sha256, size}]
    Column("counts", Text),  # JSON: the change counts
    Column("refused", Text),  # why the import was refused (nothing applied), migration 0004
)

record = Table(
    "record",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organisation_id", Integer, ForeignKey("organisation.id"), nullable=False),
    # the owner establishment: of the formation (its organisme responsable) for offer records,
    # the site's own SIRET, the contact's site's; NULL for records of revision 0001 not reimported
    Column("etablissement_id", Integer, ForeignKey("etablissement.id")),
    Column("entity", String(12), nullable=False),
    Column("key", String(210), nullable=False),  # ref_* (dispositif: ref_session \x1f ref or label)
    Column("parent_key", String(110)),  # ref of the parent record
    Column("fas_code", BigInteger),  # formation, action, session: the SOFI number
    Column("status", String(8), nullable=False),  # "actif" or "retire"
    Column("withdrawn_on", Date),
    Column("version", Integer, nullable=False),
    Column("digest", String(32), nullable=False),
    Column("content", Text, nullable=False),
    Column("created_run_id", Integer, ForeignKey("run.id"), nullable=False),
    Column("updated_run_id", Integer, ForeignKey("run.id"), nullable=False),
    # validation before publication (issue 25, migration 0004, catalogue/validation.py):
    Column("published_version", Integer),  # offer records: the version partners get; NULL: never published
    Column("etat", String(24)),  # actions: brouillon, en_attente, en_attente_reponses, validee, refusee
    Column("etat_note", Text),  # the reason of a refusal, the text of a question
    Column("certifinfo_remplace", String(20)),  # actions: the Certif Info code the CARIF-OREF replaced
    UniqueConstraint("organisation_id", "entity", "key", name="uq_record_key"),
    UniqueConstraint("entity", "fas_code", name="uq_record_fas_code"),
)
Index("ix_record_parent", record.c.organisation_id, record.c.entity, record.c.parent_key)
Index("ix_record_updated_run", record.c.updated_run_id)
Index("ix_record_etablissement", record.c.etablissement_id)

record_version = Table(
    "record_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, ForeignKey("record.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("run_id", Integer, ForeignKey("run.id")),  # NULL for a decision of the CARIF-OREF
    Column(
        "change", String(12), nullable=False
    ),  # creation, modification, retrait, reactivation; validation, refus, question
    Column("status", String(8), nullable=False),
    Column("content", Text, nullable=False),
    Column("fields", Text),  # JSON {field: [old, new]} for a modification
    Column("decided_by", String(200)),  # a decision: who (migration 0004)
    Column("decided_at", DateTime(timezone=True)),  # a decision: when
    Column("note", Text),  # a decision: the reason of a refusal, the text of a question
    UniqueConstraint("record_id", "version", name="uq_record_version"),
)

base_setting = Table(  # the base's own settings (migration 0004): validation = "oui" / "non"
    "base_setting",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)

flux_log = Table(  # each flow written for a partner by `fasd flux` (migration 0004, catalogue/flux.py)
    "flux_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partenaire", String(100), nullable=False),
    Column("written_at", DateTime(timezone=True), nullable=False),
    Column("depuis", Date),  # the delta's start: the day of this partner's previous flow
    Column("formations", Integer, nullable=False),
    Column("delta_formations", Integer),
    Column("retraits", Integer),
    Column("files", Text, nullable=False),  # JSON: [{name, sha256}]
)
Index("ix_flux_log_partenaire", flux_log.c.partenaire)

run_report = Table(  # the summary of each applied run's change report (migration 0005, reports.py)
    "run_report",
    metadata,
    Column("run_id", Integer, ForeignKey("run.id"), primary_key=True),
    Column("summary", Text, nullable=False),  # JSON: ChangeReport.summary()
)

run_change = Table(  # each change of an applied run, in changes.csv's order (migration 0005)
    "run_change",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("run.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("entity", String(12), nullable=False),
    Column("key", String(210), nullable=False),
    Column("change", String(12), nullable=False),
    Column("code_fas", String(80)),  # « formation-action-session » FAS codes
    Column("fields", Text),  # JSON {field: [old, new]}
    Column("reason", Text),
    UniqueConstraint("run_id", "position", name="uq_run_change_position"),
)

# The accounts of the shared page (migration 0006, accounts.py): secrets kept as digests only.
account = Table(
    "account",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),  # lower case
    Column("role", String(10), nullable=False),  # "organisme" or "carif" (CARIF-OREF staff)
    Column("password_hash", String(200)),  # Argon2id; NULL until the activation link is used
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

account_siret = Table(  # the establishments an account may act for
    "account_siret",
    metadata,
    Column("account_id", Integer, ForeignKey("account.id"), primary_key=True),
    Column("siret", String(14), primary_key=True),
)

account_link = Table(  # one-use links sent by mail: activation, password reset
    "account_link",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("account.id"), nullable=False),
    Column("kind", String(12), nullable=False),  # "activation" or "reinit"
    Column("digest", String(64), nullable=False, unique=True),  # SHA-256 of the link's secret
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

api_token = Table(  # the tokens of nightly jobs (Authorization: Bearer …)
    "api_token",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("account.id"), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("label", String(100)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

web_session = Table(  # a signed-in browser: the cookie's secret as its digest, idle expiry by seen_at
    "web_session",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("account.id"), nullable=False),
    Column("siret", String(14)),  # the establishment chosen in the list under the name
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)

key_request = Table(  # « demander une clé »: queued for staff (fasd compte demandes)
    "key_request",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False),
    Column("siret", String(14), nullable=False),
    Column("message", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

column_mapping = Table(  # the column mappings chosen on the page, per establishment (migration 0007, mappings.py)
    "column_mapping",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("siret", String(14), nullable=False),  # the establishment whose uploads it reads
    Column("signature", String(64), nullable=False),  # SHA-256 of the folded headers, sorted
    Column("headers", Text, nullable=False),  # JSON: the headers, for people
    Column("mapping", Text, nullable=False),  # the mapping file (readers/mapping.py format)
    Column("account_id", Integer, ForeignKey("account.id")),  # who chose it
    Column("saved_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("siret", "signature", name="uq_column_mapping_siret_signature"),
)

base_lock = Table(
    "base_lock",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("holder", String(200)),
    Column("since", DateTime(timezone=True)),
)
