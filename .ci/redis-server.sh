#!/usr/bin/env bash
# Starts a Redis server (Debian's redis-server, installed when missing) on a free loopback
# port, runs a command with IDGRAPH_REDIS_URL set, and stops the server afterwards, even
# when the command fails.
#
#   bash .ci/redis-server.sh run -- cargo test -p idgraph-tests --test redis_limiter
#   bash .ci/redis-server.sh install
#
# The server keeps nothing on disk (no RDB snapshots, no AOF) and listens on 127.0.0.1
# only. Its data directory and log are under target/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

install() {
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    command -v apt-get >/dev/null || { echo "redis-server is missing and apt-get is not available to install it" >&2; exit 1; }
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # The Debian package's post-install may try to start a service; without an init
    # system that fails harmlessly and the binary is all we use.
    $sudo apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null
  fi
  command -v redis-server >/dev/null || { echo "redis-server is still missing after installing" >&2; exit 1; }
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "${1:-}" in
  run)
    shift
    [ "${1:-}" = "--" ] && shift
    install
    port="${IDGRAPH_REDIS_PORT:-$(free_port)}"
    dir="$root/target/redis-ci"
    mkdir -p "$dir"
    log="$dir/redis-server.log"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "$dir" --daemonize no --loglevel warning >"$log" 2>&1 &
    pid=$!
    trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
    ready=""
    for _ in $(seq 1 100); do
      if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ]; then
        ready=1
        break
      fi
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "redis-server exited early; its log:" >&2
        cat "$log" >&2
        exit 1
      fi
      sleep 0.1
    done
    if [ -z "$ready" ]; then
      echo "redis-server did not answer PING on 127.0.0.1:$port within 10 s; its log:" >&2
      cat "$log" >&2
      exit 1
    fi
    echo "redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on 127.0.0.1:$port"
    export IDGRAPH_REDIS_URL="redis://127.0.0.1:$port"
    "$@"
    ;;
  install)
    install
    ;;
  *)
    echo "usage: $0 run -- <command…> | install" >&2
    exit 2
    ;;
esac
