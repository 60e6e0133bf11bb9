#!/usr/bin/env bash
# `npm test`: the same setup as `npm start`, then lint, typecheck and every package's tests.
# It ends with each step's and each package's time against the budget (packages/docs/guide/install.md, Testing).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PIXELFLARE_ROOT"

# The whole run must stay inside CI's 30 minutes on a 2-core machine; the summary warns well before that.
BUDGET_SECONDS=1800
started=$SECONDS
timings=()
current=""
current_start=$SECONDS
end_step() {
  if [ -n "$current" ]; then timings+=("$(printf '%6ds  %s' $((SECONDS - current_start)) "$current")"); fi
  current=""
}
step() {
  end_step
  current="$*"
  current_start=$SECONDS
  printf '\n\033[1m▸ %s\033[0m\n' "$*"
}
summary() {
  local status=$?
  end_step
  printf '\n\033[1m▸ Time\033[0m (load average now: %s)\n' "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
  printf '%s\n' "${timings[@]}"
  if [ -f pnpm-exec-summary.json ]; then
    node -e '
      const { executionStatus } = JSON.parse(require("fs").readFileSync("pnpm-exec-summary.json", "utf8"));
      for (const [dir, { status, duration }] of Object.entries(executionStatus))
        if (duration !== undefined)
          console.log(`${String(Math.round(duration / 1000)).padStart(6)}s    ${require("path").basename(dir)} (${status})`);
    '
    rm -f pnpm-exec-summary.json
  fi
  local total=$((SECONDS - started))
  printf '%6ds  total of %ds budget\n' "$total" "$BUDGET_SECONDS"
  if [ "$total" -gt $((BUDGET_SECONDS * 5 / 6)) ]; then
    echo "warning: over 5/6 of the time budget; see packages/docs/guide/install.md (Testing) before adding slow tests"
  fi
  exit "$status"
}
trap summary EXIT

step "Setup (as npm start)"
bash "$PIXELFLARE_ROOT/scripts/setup.sh"
step "Chromium and rclone for the browser and S3-tool tests"
missing=()
if [ -x /usr/bin/chromium ]; then echo "chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
else missing+=(chromium); fi
if command -v rclone >/dev/null 2>&1; then echo "rclone present: $(rclone version 2>/dev/null | head -1)"
else missing+=(rclone); fi
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    # A first install right after `apt-get update` has failed once on this image; a plain retry worked.
    apt-get update -qq && { apt-get install -y -qq "${missing[@]}" || apt-get install -y -qq "${missing[@]}"; }
  else
    echo "apt-get is not available: the tests needing ${missing[*]} will be skipped (install them from your distribution)"
  fi
fi

step "Lint"
pnpm lint
step "Import cycles"
tsx scripts/check-import-cycles.ts packages/api/src packages/shared/src packages/config/src packages/database/src
step "Typecheck"
pnpm typecheck
step "Deploy bundle check (wrangler deploy --dry-run, no account needed)"
wrangler deploy --dry-run --outdir "$PIXELFLARE_ROOT/.wrangler/dry-run" | grep -E "Total Upload|dry-run"
pnpm -C packages/gateway --silent deploy:dry-run | grep -E "Total Upload|dry-run"
step "Tests (each package's time below)"
pnpm -r --workspace-concurrency=1 --report-summary test
