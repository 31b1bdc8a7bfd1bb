#!/bin/bash
# The standby: on its first start (empty data directory) a copy of the primary by pg_basebackup,
# streaming from the slot the primary's init script made; then the image's own entrypoint,
# which finds a data directory and starts PostgreSQL as a hot standby (standby.signal).
set -euo pipefail

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 0700 "$PGDATA"
  until pg_isready -h "$PRIMARY_HOST" -p 5432 -U "$POSTGRES_USER" -d "$POSTGRES_DB"; do
    sleep 1
  done
  PGPASSWORD="$REPLICATION_PASSWORD" gosu postgres \
    pg_basebackup -h "$PRIMARY_HOST" -p 5432 -U replicator -D "$PGDATA" \
    -X stream -S pg_standby -R --checkpoint=fast
  # explicit connection settings (the application name is what synchronous_standby_names lists)
  cat >> "$PGDATA/postgresql.auto.conf" <<CONF
primary_conninfo = 'host=$PRIMARY_HOST port=5432 user=replicator password=$REPLICATION_PASSWORD application_name=pg_standby'
primary_slot_name = 'pg_standby'
CONF
fi

exec docker-entrypoint.sh "$@"
