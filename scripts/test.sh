#!/usr/bin/env bash
# `npm test`: the same setup as `npm start`, then lint, typecheck and every package's tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$PIXELFLARE_ROOT/scripts/setup.sh"
cd "$PIXELFLARE_ROOT"

step() { printf '\n\033[1m▸ %s\033[0m\n' "$*"; }
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
step "Tests"
pnpm -r --workspace-concurrency=1 test
