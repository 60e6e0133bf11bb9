#!/usr/bin/env bash
# Runs a test suite several times in a row with every core kept busy beside it, the way a loaded CI machine runs
# it: a test that passes only on an idle machine (a sleep, a wall-clock assumption, a default 5 s timeout) fails
# here. Stops the busy loops on exit, whatever happens.
#
#   bash scripts/test-under-load.sh                 # the API suite, 3 runs
#   bash scripts/test-under-load.sh 5               # the API suite, 5 runs
#   bash scripts/test-under-load.sh 3 npm test      # any command instead (here the whole `npm test`)
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PIXELFLARE_ROOT" || exit 2

runs=${1:-3}
shift || true
if [ "$#" -gt 0 ]; then command=("$@"); else command=(pnpm -C packages/api test); fi
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [RUNS] [COMMAND...]" >&2
  exit 2
fi

hogs=()
stop_hogs() { [ "${#hogs[@]}" -gt 0 ] && kill "${hogs[@]}" 2>/dev/null; }
trap stop_hogs EXIT
trap 'exit 130' INT TERM
for _ in $(seq 1 "$(nproc)"); do
  (while :; do :; done) &
  hogs+=($!)
done
echo "$(nproc) busy loops beside: ${command[*]} (pids ${hogs[*]})"

failed=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  log=$(mktemp -t test-under-load.XXXXXX.log)
  if "${command[@]}" >"$log" 2>&1; then
    echo "run $i/$runs: passed in $(($(date +%s) - start)) s (log: $log)"
  else
    echo "run $i/$runs: FAILED in $(($(date +%s) - start)) s; the failures (full log: $log):"
    # Failed tests and files, timeouts and vitest's totals; workerd's "connection lost" noise from aborted
    # requests is left in the full log.
    grep -a -E " FAIL | × |✗|[Tt]imed out|Test Files |  Tests " "$log" | head -40
    failed=$((failed + 1))
  fi
done
echo "$((runs - failed)) of $runs runs passed"
[ "$failed" -eq 0 ]
