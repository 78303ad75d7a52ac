#!/bin/sh
# Runs once, when the alvo-db container initialises its volume (as alvo, the pipeline's
# role, which owns the database). Creates the read-only role for readers of the marts: it
# may SELECT the tables the pipeline creates in `public` (signal, data) and nothing else,
# not staging (`raw`, `staging`). The same grants as devstack's (devstack/stack.py).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v reader_password="${ALVO_READER_PASSWORD:-alvo_reader}" <<'SQL'
create role alvo_reader login password :'reader_password';
alter role alvo_reader set default_transaction_read_only = on;
revoke create on schema public from public;
grant usage on schema public to alvo_reader;
alter default privileges for role alvo in schema public grant select on tables to alvo_reader;
SQL
