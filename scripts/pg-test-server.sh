#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on a Unix socket for the test suite and prints the
# DSN to use (TENDERWATCH_TEST_PG_DSN). Usage: eval "$(scripts/pg-test-server.sh start DIR)";
# scripts/pg-test-server.sh stop DIR.
set -euo pipefail
action="${1:?start|stop}"
dir="${2:?directory for the cluster}"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
# PostgreSQL refuses to run as root; run it as the postgres system user when we are root.
if [ "$(id -u)" = "0" ]; then as_pg=(runuser -u postgres --); else as_pg=(); fi

case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = "0" ] && chown postgres "$dir"
    "${as_pg[@]}" "$bin/initdb" -D "$dir/data" -E UTF8 --locale=C.UTF-8 -A trust -U tenderwatch >/dev/null
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off" start >/dev/null
    "${as_pg[@]}" "$bin/createdb" -h "$dir" -U tenderwatch tenderwatch_test
    echo "export TENDERWATCH_TEST_PG_DSN='postgresql://tenderwatch@/tenderwatch_test?host=$dir'"
    ;;
  stop)
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    ;;
esac
