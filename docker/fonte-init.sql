-- Runs once, when the fonte-db container initialises its volume (as the superuser).
-- fonte_owner owns the table and seeds it; fonte (the API's role) can only read.
create role fonte_owner login password 'fonte_owner';
create role fonte login password 'fonte';
alter role fonte set default_transaction_read_only = on;
alter database fonte owner to fonte_owner;
\connect fonte
alter schema public owner to fonte_owner;
revoke create on schema public from public;
grant usage on schema public to fonte;
alter default privileges for role fonte_owner in schema public grant select on tables to fonte;
