-- The read-only role of a database, the one place its grants are written. Run on Fonte
-- (owner fonte_owner, reader fonte: the API's role) and on Alvo (owner alvo, the pipeline's
-- role; reader alvo_reader, for readers of the marts), by devstack and by the containers'
-- init scripts, as a superuser connected to that database. psql variables: owner, reader.
--
-- The reader may SELECT the tables the owner creates in `public` (now and later: dbt
-- recreates the marts on a full refresh) and nothing else: no other schema (Alvo's `raw`
-- staging and dbt's `staging`), no write even where a grant would allow one.
alter role :"reader" set default_transaction_read_only = on;
revoke create on schema public from public;
grant usage on schema public to :"reader";
alter default privileges for role :"owner" in schema public grant select on tables to :"reader";
grant select on all tables in schema public to :"reader";
