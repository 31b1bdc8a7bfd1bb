#!/bin/bash
# Runs once, when the official image initialises the primary's data directory: the replication
# role, its pg_hba.conf line (`all` does not match replication connections), the standby's slot
# (the primary keeps the WAL the standby has not received yet) and synchronous replication.
set -eo pipefail

psql -v ON_ERROR_STOP=1 -v pw="$REPLICATION_PASSWORD" \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'EOSQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pw';
SELECT pg_create_physical_replication_slot('pg_standby');
-- Read at the next start (this init server is not reloaded, so its own commits do not wait).
-- Each node names the other (a node never counts itself), so the setting, copied to the
-- standby by pg_basebackup, still holds after a promotion; a lone primary's commits wait
-- until a standby is back (docs/scaling.md, step 3).
ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 (pg_primary, pg_standby)';
EOSQL

echo 'host replication replicator all scram-sha-256' >> "$PGDATA/pg_hba.conf"
