#!/usr/bin/env bash
# Installs what is missing and prepares local data. Safe to run again; each step skips what is already done.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PIXELFLARE_ROOT"

step() { printf '\n\033[1m▸ %s\033[0m\n' "$*"; }

want_node=$(sed -n 's/.*"node": "\([0-9.]*\)".*/\1/p' tools/package.json)
want_pnpm=$(sed -n 's/.*"pnpm": "\([0-9.]*\)".*/\1/p' tools/package.json)
have_node=$(tools/node_modules/.bin/node -v 2>/dev/null || true)
have_pnpm=$(tools/node_modules/.bin/pnpm -v 2>/dev/null || true)
if [ "$have_node" != "v$want_node" ] || [ "$have_pnpm" != "$want_pnpm" ]; then
  step "Installing Node $want_node and pnpm $want_pnpm into tools/ (project-local, nothing global)"
  npm ci --prefix tools --no-audit --no-fund --loglevel=error
fi
echo "node $(node -v), pnpm $(pnpm -v)"

# The S3-compatible server the backup tests start on loopback (@20minutes/s3rver checks SigV4; it needs Node 24).
want_s3_node=$(sed -n 's/.*"node": "\([0-9.]*\)".*/\1/p' tools/s3/package.json)
if [ "$(tools/s3/node_modules/.bin/node -v 2>/dev/null || true)" != "v$want_s3_node" ] ||
  [ ! -f tools/s3/node_modules/@20minutes/s3rver/package.json ]; then
  step "Installing the S3 test server into tools/s3 (Node $want_s3_node, used by the backup tests only)"
  npm ci --prefix tools/s3 --no-audit --no-fund --loglevel=error
fi

step "Installing workspace dependencies"
pnpm install --frozen-lockfile --prefer-offline --reporter=append-only | tail -n 5

step "Local secrets"
node scripts/dev-secrets.mjs

step "Applying D1 migrations to the local database"
wrangler d1 migrations apply DB --local --persist-to "$PIXELFLARE_STATE_DIR" | tail -n 3

step "Seeding local users"
tsx scripts/seed.ts
