#!/bin/sh
# Entrypoint of the test image berth-test/mariadb:10 (Debian's mariadb-server): initialises the
# data directory from the variables the official mariadb image reads (MARIADB_ROOT_PASSWORD,
# MARIADB_DATABASE, MARIADB_USER, MARIADB_PASSWORD), then runs the server in the foreground.
set -eu
datadir=/var/lib/mysql
mkdir -p "$datadir" /run/mysqld
chown -R mysql:mysql "$datadir" /run/mysqld
if [ ! -d "$datadir/mysql" ]; then
  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db --auth-root-authentication-method=normal >/dev/null
  init="$(mktemp)"
  {
    echo "FLUSH PRIVILEGES;"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '${MARIADB_ROOT_PASSWORD:?MARIADB_ROOT_PASSWORD is required}';"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY '${MARIADB_ROOT_PASSWORD}';"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    if [ -n "${MARIADB_DATABASE:-}" ]; then echo "CREATE DATABASE \`${MARIADB_DATABASE}\`;"; fi
    if [ -n "${MARIADB_USER:-}" ]; then
      echo "CREATE USER '${MARIADB_USER}'@'%' IDENTIFIED BY '${MARIADB_PASSWORD:?MARIADB_PASSWORD is required}';"
      if [ -n "${MARIADB_DATABASE:-}" ]; then echo "GRANT ALL ON \`${MARIADB_DATABASE}\`.* TO '${MARIADB_USER}'@'%';"; fi
    fi
  } >"$init"
  chown mysql "$init"
  # Bootstrap mode reads the statements from stdin without opening a network port.
  mariadbd --user=mysql --datadir="$datadir" --bootstrap <"$init"
  rm -f "$init"
fi
exec mariadbd --user=mysql --datadir="$datadir" --bind-address=0.0.0.0
