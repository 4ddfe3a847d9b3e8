"""Alembic environment: runs on the connection the app hands over, or on sqlalchemy.url."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from slackapp.models import metadata

config = context.config


def _ours(obj, name, type_, reflected, compare_to) -> bool:
    # The text index tables are created by hand in 0001; autogenerate must not try to drop them.
    return not (type_ == "table" and name and name.startswith("leads_fts"))


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=_ours,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as fresh:
        run(fresh)
