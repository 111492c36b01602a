"""Alembic environment of the catalogue: run on the connection that `fasd base init` opened."""

from __future__ import annotations

from alembic import context

from pipeline.catalogue.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
