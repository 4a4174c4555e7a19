#!/usr/bin/env bash
# Runs the benches that print `bench-figure NAME VALUE UNIT` lines, counts instructions
# under callgrind where valgrind is installed, and (with `readme`) rewrites the figure
# tables of the READMEs from that one run.
#
#   bash tests/benches/figures.sh          # run, print every figure, keep them in
#                                          # target/bench-figures.txt
#   bash tests/benches/figures.sh readme   # the same, then rewrite each README region
#                                          # between <!-- figures:PREFIX --> and
#                                          # <!-- /figures --> with the figures whose
#                                          # names start with PREFIX
#   bash tests/benches/figures.sh rewrite  # only the README rewrite, from the figures
#                                          # the last run kept
#   bash tests/benches/figures.sh check    # CI's regression check (a few minutes at most):
#                                          # instruction ratios of the transport and
#                                          # streaming paths against generous ceilings
#
# Wall-clock benches run pinned to one CPU (taskset, when present): on a small shared
# machine that keeps client and server taking turns on one core, so the figures depend
# less on how the scheduler spreads them. Instruction counts do not depend on load at all.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
mode="${1:-run}"
target="${CARGO_TARGET_DIR:-$root/target}"
out="$target/bench-figures.txt"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

pin=()
if command -v taskset >/dev/null 2>&1; then
  cpus="$(nproc)"
  pin=(taskset -c "$((cpus - 1))")
fi

# The executable cargo built for one bench target (`--no-run` prints its path).
bench_bin() { # profile-args... -- name
  local name="${*: -1}"
  local args=("${@:1:$#-1}")
  cargo "${args[@]}" --bench "$name" --no-run --message-format=short 2>&1 |
    sed -n "s|.*Executable benches/$name.rs (\(.*\))\$|\1|p" | tail -1
}

# Client-thread instructions per unit of work, from two callgrind runs of one side:
# (I(n2) - I(n1)) / ((n2 - n1) * per), which removes start-up and connection set-up.
# Usage: instructions BIN "ENV=side ..." N_VAR n1 n2 per
instructions() {
  local bin="$1" env="$2" nvar="$3" n1="$4" n2="$5" per="$6" n total=()
  for n in "$n1" "$n2"; do
    # shellcheck disable=SC2086
    env $env "$nvar=$n" valgrind --tool=callgrind --separate-threads=yes \
      --callgrind-out-file="$work/cg.$n" "$bin" >/dev/null 2>&1
    # Thread 1 is the client (each bench runs its client on the main thread).
    total+=("$(sed -n 's/^summary: //p' "$work/cg.$n-01")")
    rm -f "$work"/cg.*
  done
  echo $(( (total[1] - total[0]) / ((n2 - n1) * per) ))
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

# Sizes of the two runs: requests (transport) and users per pass (probo_stream).
transport_n="1000 3000"
stream_n="5000 15000"

count_instructions() { # profile-args...
  local t p s b h pl st
  t="$(bench_bin "$@" transport)"
  # shellcheck disable=SC2086
  p="$(instructions "$t" IDGRAPH_BENCH_ONLY=plain IDGRAPH_BENCH_N $transport_n 1)"
  # shellcheck disable=SC2086
  s="$(instructions "$t" IDGRAPH_BENCH_ONLY=sdk IDGRAPH_BENCH_N $transport_n 1)"
  echo "bench-figure transport_plain_instructions $p instructions per request (client thread)"
  echo "bench-figure transport_sdk_instructions $s instructions per request (client thread)"
  echo "bench-figure transport_sdk_vs_plain_instructions $(ratio "$s" "$p") ratio"
  if [ "${SKIP_SCIM_TYPES:-}" = "" ]; then
    # shellcheck disable=SC2086
    b="$(instructions "$t" IDGRAPH_BENCH_ONLY=sdk_bare IDGRAPH_BENCH_N $transport_n 1)"
    echo "bench-figure transport_sdk_bare_instructions $b instructions per request (client thread; no attempt timeout, no limiter)"
  fi
  t="$(bench_bin "$@" probo_stream)"
  # Five passes over n users each.
  # shellcheck disable=SC2086
  h="$(instructions "$t" PROBO_STREAM_PROFILE=hand PROBO_STREAM_N $stream_n 5)"
  # shellcheck disable=SC2086
  s="$(instructions "$t" PROBO_STREAM_PROFILE=sdk PROBO_STREAM_N $stream_n 5)"
  echo "bench-figure probo_stream_by_hand_instructions $h instructions per user (client thread)"
  echo "bench-figure probo_stream_sdk_instructions $s instructions per user (client thread)"
  echo "bench-figure probo_stream_sdk_vs_by_hand_instructions $(ratio "$s" "$h") ratio"
  if [ "${SKIP_SCIM_TYPES:-}" = "" ]; then
    t="$(bench_bin "$@" scim_types)"
    pl="$(instructions "$t" IDGRAPH_BENCH_ONLY=plain IDGRAPH_BENCH_N 2 6 1)"
    st="$(instructions "$t" IDGRAPH_BENCH_ONLY=scim_types IDGRAPH_BENCH_N 2 6 1)"
    echo "bench-figure scim_types_decode_1000_users_plain_instructions $pl instructions per page"
    echo "bench-figure scim_types_decode_1000_users_scim_types_instructions $st instructions per page"
    echo "bench-figure scim_types_decode_1000_users_vs_plain_instructions $(ratio "$st" "$pl") ratio"
  fi
}

# The transport and streaming instruction counts again with each crate optimised as one
# unit (`codegen-units = 1`, in a target directory of its own so that neither build
# invalidates the other). With the default 16 units the compiler splits the SDK's code and
# the hand-written loop's differently, and part of a default-profile gap is only where
# that split falls (the same JSON decoding can differ by hundreds of instructions).
# Run in a subshell: it changes the environment.
count_one_codegen_unit() {
  local t p s h
  export CARGO_PROFILE_BENCH_CODEGEN_UNITS=1 CARGO_TARGET_DIR="$target/one-codegen-unit"
  t="$(bench_bin bench -p idgraph-tests transport)"
  # shellcheck disable=SC2086
  p="$(instructions "$t" IDGRAPH_BENCH_ONLY=plain IDGRAPH_BENCH_N $transport_n 1)"
  # shellcheck disable=SC2086
  s="$(instructions "$t" IDGRAPH_BENCH_ONLY=sdk IDGRAPH_BENCH_N $transport_n 1)"
  echo "bench-figure transport_sdk_vs_plain_instructions_one_codegen_unit $(ratio "$s" "$p") ratio ($s vs $p instructions per request; codegen-units = 1)"
  t="$(bench_bin bench -p idgraph-tests probo_stream)"
  # shellcheck disable=SC2086
  h="$(instructions "$t" PROBO_STREAM_PROFILE=hand PROBO_STREAM_N $stream_n 5)"
  # shellcheck disable=SC2086
  s="$(instructions "$t" PROBO_STREAM_PROFILE=sdk PROBO_STREAM_N $stream_n 5)"
  echo "bench-figure probo_stream_sdk_vs_by_hand_instructions_one_codegen_unit $(ratio "$s" "$h") ratio ($s vs $h instructions per user; codegen-units = 1)"
}

run_all() {
  echo "# bash tests/benches/figures.sh, $(date -u +%Y-%m-%d), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  local name bin
  for name in transport probo_stream scim_types rolling_window proofpoint_list; do
    bin="$(bench_bin bench -p idgraph-tests "$name")"
    IDGRAPH_BENCH_FIGURES_ONLY=1 "${pin[@]}" "$bin" --bench
  done
  # reconcile: its CPU and cold tables (criterion skipped), 10M x 10M included (several
  # GiB and a few minutes; IDGRAPH_FIGURES_NO_10M=1 leaves it out).
  bin="$(bench_bin bench -p idgraph-tests reconcile)"
  if [ "${IDGRAPH_FIGURES_NO_10M:-}" = "" ]; then
    IDGRAPH_BENCH_CPU_ONLY=1 IDGRAPH_BENCH_RECONCILE_10M=1 "${pin[@]}" "$bin" --bench
  else
    IDGRAPH_BENCH_CPU_ONLY=1 "${pin[@]}" "$bin" --bench
  fi
  # Its cold table again (100k and 1M) with glibc told to keep freed memory (never trim
  # the heap, never map a block of its own), so that no plan takes page faults: what the
  # faults cost is the difference between reconcile_plan_<n>_cold_* and
  # reconcile_plan_<n>_cold_heap_kept_* (glibc only; elsewhere the setting is ignored).
  GLIBC_TUNABLES=glibc.malloc.trim_threshold=4294967295:glibc.malloc.mmap_threshold=4294967295 \
    IDGRAPH_BENCH_RECONCILE_COLD_ONLY=heap_kept "${pin[@]}" "$bin" --bench
  # probo_creates: its plain run (criterion skipped, counts asserted).
  bin="$(bench_bin bench -p idgraph-tests probo_creates)"
  "${pin[@]}" "$bin" --test
  if command -v redis-server >/dev/null 2>&1; then
    # The bench starts its own redis-server (not .ci/redis-server.sh's), so that it can
    # read the server's CPU per permit too.
    bin="$(bench_bin bench -p idgraph-tests redis_limiter)"
    env -u IDGRAPH_REDIS_URL "${pin[@]}" "$bin" --bench --warm-up-time 1 --measurement-time 1
  else
    echo "# redis_limiter skipped: no redis-server on PATH"
  fi
  if command -v valgrind >/dev/null 2>&1; then
    count_instructions bench -p idgraph-tests
    (count_one_codegen_unit)
  else
    echo "# instruction counts skipped: valgrind is not installed"
  fi
}

rewrite_readmes() {
  python3 - "$out" README.md common/README.md probo-scim/README.md scim-types/README.md \
    proofpoint-essentials/README.md tests/benches/README.md <<'PY'
import re, sys
figures_file, *readmes = sys.argv[1:]
lines = open(figures_file, encoding="utf-8").read().splitlines()
header = next((l[2:] for l in lines if l.startswith("# bash tests/benches/figures.sh")), "")
figs = []
for l in lines:
    if l.startswith("bench-figure "):
        _, name, value, unit = (l.split(" ", 3) + [""])[:4]
        figs.append((name, value, unit))
region = re.compile(r"(<!-- figures:([A-Za-z0-9_]+) -->\n).*?(<!-- /figures -->)", re.S)
def table(m):
    prefix = m.group(2)
    rows = [f for f in figs if f[0].startswith(prefix)]
    body = "| Figure | Value | Unit |\n|---|---|---|\n"
    body += "".join(f"| `{n}` | {v} | {u} |\n" for n, v, u in rows) or "| (none printed) | | |\n"
    return f"{m.group(1)}{body}\n<sub>Printed by {header}.</sub>\n{m.group(3)}"
for path in readmes:
    text = open(path, encoding="utf-8").read()
    new = region.sub(table, text)
    if new != text:
        open(path, "w", encoding="utf-8").write(new)
        print(f"rewrote the figure tables of {path}")
PY
}

case "$mode" in
  run | readme)
    mkdir -p "$target"
    run_all 2>&1 | tee "$work/all.txt"
    grep -E '^(bench-figure |# bash tests/benches/figures.sh)' "$work/all.txt" >"$out"
    echo "figures: $out"
    [ "$mode" = readme ] && rewrite_readmes
    ;;
  rewrite)
    # The README tables from the figures of the last run, without running anything.
    [ -f "$out" ] || { echo "no $out: run bash tests/benches/figures.sh first" >&2; exit 1; }
    rewrite_readmes
    ;;
  check)
    # CI: the test-profile build CI already made for `cargo test` (no release build), and
    # instruction ratios, which do not depend on machine load. Ceilings are generous: the
    # check catches a regression of several per cent, not noise.
    if ! command -v valgrind >/dev/null 2>&1; then
      if [ -n "${IDGRAPH_REQUIRE_VALGRIND:-}" ]; then
        echo "error: the bench regression check needs valgrind (IDGRAPH_REQUIRE_VALGRIND is set)" >&2
        exit 1
      fi
      echo "bench regression check skipped: valgrind is not installed"
      exit 0
    fi
    # Smaller runs: an unoptimised build executes several times more instructions.
    transport_n="100 300"
    stream_n="200 600"
    # The same features as CI's `cargo test --workspace --all-features`, so that only the
    # two bench targets are compiled.
    figs="$(SKIP_SCIM_TYPES=1 count_instructions test --workspace --all-features)"
    echo "$figs"
    fail=0
    while read -r name ceiling; do
      got="$(echo "$figs" | awk -v n="$name" '$2 == n { print $3 }')"
      if awk -v g="$got" -v c="$ceiling" 'BEGIN { exit !(g > c) }'; then
        echo "REGRESSION: $name = $got, above the ceiling $ceiling" >&2
        fail=1
      else
        echo "ok: $name = $got (ceiling $ceiling)"
      fi
    done <<EOF
transport_sdk_vs_plain_instructions ${TRANSPORT_CEILING:-1.10}
probo_stream_sdk_vs_by_hand_instructions ${STREAM_CEILING:-1.15}
EOF
    exit "$fail"
    ;;
  *)
    echo "usage: bash tests/benches/figures.sh [run|readme|rewrite|check]" >&2
    exit 2
    ;;
esac
