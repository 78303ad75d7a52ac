#!/bin/sh
# Runs once, when the fonte-db container initialises its volume (as the superuser).
# fonte_owner owns the table and seeds it; fonte (the API's role) can only read: its grants
# are grants/read_only_role.sql, mounted at /windpipe/read_only_role.sql.
# Passwords come from the environment (docker-compose.yml), defaulting to the local ones.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v owner_password="${FONTE_OWNER_PASSWORD:-fonte_owner}" \
    -v reader_password="${FONTE_READER_PASSWORD:-fonte}" <<'SQL'
create role fonte_owner login password :'owner_password';
create role fonte login password :'reader_password';
alter database fonte owner to fonte_owner;
\connect fonte
alter schema public owner to fonte_owner;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname fonte \
    -v owner=fonte_owner -v reader=fonte -f /windpipe/read_only_role.sql
