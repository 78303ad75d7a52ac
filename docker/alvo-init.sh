#!/bin/sh
# Runs once, when the alvo-db container initialises its volume (as alvo, the pipeline's
# role, which owns the database). Creates the read-only role for readers of the marts; its
# grants are grants/read_only_role.sql (mounted at /windpipe/read_only_role.sql): SELECT on
# the tables the pipeline creates in `public` (signal, data), not staging (`raw`, `staging`).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v reader_password="${ALVO_READER_PASSWORD:-alvo_reader}" <<'SQL'
create role alvo_reader login password :'reader_password';
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v owner="$POSTGRES_USER" -v reader=alvo_reader -f /windpipe/read_only_role.sql
