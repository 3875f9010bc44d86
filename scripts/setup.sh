#!/usr/bin/env bash
# Makes this machine ready for the whole test suite, installing only what is missing:
# the C libraries the PostgreSQL and MySQL dialects link (libpq, the MariaDB client
# library), the servers' client tools the tests use as their oracle (pg_dump, psql,
# mysql, mysqldump), and `script` for the terminal tests. Starts the local PostgreSQL
# and MariaDB servers when they are down. Sourced by scripts/test.sh and .ci/run.
set -euo pipefail

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(gcc)
# diesel's postgres backend links libpq; the tests use pg_dump and psql as the oracle.
[ -e /usr/include/postgresql/libpq-fe.h ] || need_apt+=(libpq-dev)
command -v pg_dump >/dev/null 2>&1 || need_apt+=(postgresql-client)
# diesel's mysql backend links the MySQL client library (mysqlclient-sys finds
# libmariadb through pkg-config); the tests use mysql and mysqldump as the oracle.
[ -e /usr/include/mariadb/mysql.h ] || [ -e /usr/include/mysql/mysql.h ] || need_apt+=(libmariadb-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v mysqldump >/dev/null 2>&1 || need_apt+=(mariadb-client)
command -v script >/dev/null 2>&1 || need_apt+=(bsdutils)
# The postgres-bundled feature (built by .ci/run) compiles libpq against the system's
# OpenSSL.
[ -e /usr/include/openssl/ssl.h ] || need_apt+=(libssl-dev)
# PostGIS for the local PostgreSQL server: the cross-dialect tests translate MySQL's
# spatial columns and indexes into it (`--postgis`).
pg_major=$(ls /etc/postgresql 2>/dev/null | head -n1)
if [ -n "${pg_major}" ] && [ ! -e "/usr/share/postgresql/${pg_major}/extension/postgis.control" ]; then
  need_apt+=("postgresql-${pg_major}-postgis-3")
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing ${need_apt[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
  else
    echo "error: the tests need ${need_apt[*]}; install them with:" >&2
    echo "  sudo apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need_apt[@]}"
fi

# The SQLite dialect bundles SQLite: no server and no system library needed.

wait_for() { # name, command: up to 30 s. Without the server, CI fails; elsewhere the
  # tests that need it say `skipped: ...`.
  for _ in $(seq 1 30); do
    if eval "$2" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  if [ "${CI:-}" = "true" ]; then
    echo "error: $1 did not come up" >&2
    return 1
  fi
  echo "warning: $1 did not come up; its tests will be skipped" >&2
}

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "== starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
wait_for PostgreSQL "pg_isready -h 127.0.0.1 -p 5432 -q"

mariadb_up() { mysql -h 127.0.0.1 -P 3306 -u root -e 'SELECT 1' >/dev/null 2>&1; }
if ! mariadb_up; then
  echo "== starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
wait_for MariaDB mariadb_up
