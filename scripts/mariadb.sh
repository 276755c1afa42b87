#!/usr/bin/env bash
# A throwaway MariaDB for tests, the demo and CI: no systemd, loopback only, utf8mb4, in a temp dir.
#
#   scripts/mariadb.sh start        installs mariadb-server if mariadbd is missing, starts a server on a
#                                   free loopback port and prints shell assignments:
#                                   MARIADB_DIR, MARIADB_PID, MARIADB_PORT, MARIADB_CONNECTION
#   scripts/mariadb.sh stop DIR     stops the server started in DIR (by its PID) and removes DIR
#
# Typical use:  eval "$(scripts/mariadb.sh start)"; ...; scripts/mariadb.sh stop "$MARIADB_DIR"
set -euo pipefail

log() { printf '%s\n' "mariadb.sh: $*" >&2; }

find_bin() {
  for name in "$@"; do
    for dir in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
      if [ -x "$dir/$name" ]; then printf '%s\n' "$dir/$name"; return 0; fi
    done
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  done
  return 1
}

ensure_installed() {
  if find_bin mariadbd mysqld >/dev/null; then return 0; fi
  log "mariadbd not found; installing the Debian package mariadb-server"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq mariadb-server mariadb-client >&2
  find_bin mariadbd mysqld >/dev/null || { log "mariadb-server installed but mariadbd is still missing"; exit 1; }
}

free_port() {
  # Ask the kernel for a free loopback port.
  python3 - <<'PY' 2>/dev/null || shuf -i 20000-40000 -n 1
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

start() {
  ensure_installed
  local mariadbd install_db admin client
  mariadbd=$(find_bin mariadbd mysqld)
  install_db=$(find_bin mariadb-install-db mysql_install_db)
  admin=$(find_bin mariadb-admin mysqladmin)
  client=$(find_bin mariadb mysql)

  local dir port
  dir=$(mktemp -d "${TMPDIR:-/tmp}/nacossync-mariadb.XXXXXX")
  port=$(free_port)
  local user_opt=()
  if [ "$(id -u)" = 0 ]; then user_opt=(--user=root); fi

  "$install_db" --no-defaults "${user_opt[@]}" --datadir="$dir/data" --auth-root-authentication-method=socket \
    --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }

  "$mariadbd" --no-defaults "${user_opt[@]}" --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
    --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" --log-error="$dir/error.log" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_bin --skip-name-resolve \
    --max-connections=1000 --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 \
    --sync-binlog=0 --skip-log-bin --max-allowed-packet=256M >/dev/null 2>&1 &
  local pid=$!

  for _ in $(seq 1 200); do
    if "$admin" --no-defaults --socket="$dir/mysqld.sock" -uroot ping >/dev/null 2>&1; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then log "mariadbd exited during start"; cat "$dir/error.log" >&2; exit 1; fi
    sleep 0.1
  done
  "$admin" --no-defaults --socket="$dir/mysqld.sock" -uroot ping >/dev/null 2>&1 \
    || { log "mariadbd did not answer within 20 s"; cat "$dir/error.log" >&2; kill "$pid"; exit 1; }

  local password
  password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  "$client" --no-defaults --socket="$dir/mysqld.sock" -uroot <<SQL
CREATE USER 'nacossync'@'%' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'nacossync'@'%' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL

  echo "$pid" >"$dir/server.pid"
  printf 'MARIADB_DIR=%q\n' "$dir"
  printf 'MARIADB_PID=%q\n' "$pid"
  printf 'MARIADB_PORT=%q\n' "$port"
  printf 'MARIADB_CONNECTION=%q\n' "Server=127.0.0.1;Port=$port;User ID=nacossync;Password=$password;CharSet=utf8mb4;SslMode=None;Pooling=true;Maximum Pool Size=200"
  printf 'export MARIADB_DIR MARIADB_PID MARIADB_PORT MARIADB_CONNECTION\n'
}

stop() {
  local dir=${1:?usage: mariadb.sh stop DIR}
  [ -d "$dir" ] || { log "no such directory: $dir"; exit 1; }
  local pid
  pid=$(cat "$dir/server.pid" 2>/dev/null || cat "$dir/mysqld.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  case "$dir" in
    */nacossync-mariadb.*) rm -rf "$dir" ;;
    *) log "not removing $dir: not a directory this script made" ;;
  esac
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
