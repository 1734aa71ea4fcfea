#!/usr/bin/env bash
# Starts the local PostgreSQL cluster (installed by install-deps.sh) and makes sure the test
# role exists. Prints the admin URL the tests use to create one database per test.
set -euo pipefail
# Only the URL goes to stdout (callers capture it); everything the tools print goes to stderr.
exec 3>&1 1>&2
ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
cluster_dir="/etc/postgresql/$ver/main"
[ -d "$cluster_dir" ] || pg_createcluster "$ver" main 3>&- </dev/null
if ! pg_lsclusters -h | awk '$1 == "'"$ver"'" && $2 == "main" {print $4}' | grep -q online; then
  # The server must not inherit fd 3, or the caller's $(...) would wait for it to exit.
  pg_ctlcluster "$ver" main start 3>&- </dev/null
fi
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q -h 127.0.0.1" && break
  sleep 0.5
done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'ikd_test'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"CREATE ROLE ikd_test LOGIN CREATEDB PASSWORD 'ikd_test'\""
echo "postgres://ikd_test:ikd_test@127.0.0.1:5432/postgres" >&3
