#!/usr/bin/env bash
# Starts python-scim's scim2-server (a SCIM 2.0 server nobody here wrote) on a loopback
# port, runs a command with IDGRAPH_SCIM_INTEROP_URL/TOKEN set, and stops the server
# afterwards, even when the command fails.
#
#   bash .ci/scim-server.sh run -- cargo test -p idgraph-tests --test scim_interop
#
# The server is pinned and installed into a virtual environment under target/, so it
# never touches the system Python.
set -euo pipefail

SCIM2_SERVER_VERSION="0.8.3"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/target/scim2-venv"
port="${IDGRAPH_SCIM_INTEROP_PORT:-18750}"
token="interop-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

install() {
  if [ ! -x "$venv/bin/scim2-server" ] || ! "$venv/bin/pip" show scim2-server 2>/dev/null | grep -q "^Version: $SCIM2_SERVER_VERSION$"; then
    command -v python3 >/dev/null || { echo "python3 is required for the SCIM interop server" >&2; exit 1; }
    if ! python3 -m venv "$venv" 2>/dev/null; then
      # Debian ships venv separately.
      if command -v apt-get >/dev/null; then
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
      fi
      rm -rf "$venv"
      python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check "scim2-server==$SCIM2_SERVER_VERSION"
  fi
}

case "${1:-}" in
  run)
    shift
    [ "${1:-}" = "--" ] && shift
    install
    log="$root/target/scim2-server.log"
    "$venv/bin/scim2-server" --hostname 127.0.0.1 --port "$port" --bearer-token "$token" >"$log" 2>&1 &
    pid=$!
    trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
    ready=""
    for _ in $(seq 1 100); do
      if python3 - "$port" "$token" <<'PY' 2>/dev/null
import sys, urllib.request
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/ServiceProviderConfig",
                             headers={"Authorization": f"Bearer {sys.argv[2]}"})
urllib.request.urlopen(req, timeout=1)
PY
      then
        ready=1
        break
      fi
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "scim2-server exited early; its log:" >&2
        cat "$log" >&2
        exit 1
      fi
      sleep 0.1
    done
    if [ -z "$ready" ]; then
      echo "scim2-server did not answer on 127.0.0.1:$port within 10 s; its log:" >&2
      cat "$log" >&2
      exit 1
    fi
    export IDGRAPH_SCIM_INTEROP_URL="http://127.0.0.1:$port"
    export IDGRAPH_SCIM_INTEROP_TOKEN="$token"
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
