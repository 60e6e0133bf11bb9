#!/usr/bin/env bash
# `npm test`: the same setup as `npm start`, then lint, typecheck and every package's tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$PIXELFLARE_ROOT/scripts/setup.sh"
cd "$PIXELFLARE_ROOT"

step() { printf '\n\033[1m▸ %s\033[0m\n' "$*"; }
step "Lint"
pnpm lint
step "Typecheck"
pnpm typecheck
step "Deploy bundle check (wrangler deploy --dry-run, no account needed)"
wrangler deploy --dry-run --outdir "$PIXELFLARE_ROOT/.wrangler/dry-run" | grep -E "Total Upload|dry-run"
step "Tests"
pnpm -r --workspace-concurrency=1 test
