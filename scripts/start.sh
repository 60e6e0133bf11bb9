#!/usr/bin/env bash
# `npm start`: set up, then run the API/CDN Worker (http://localhost:8787), the dashboard (http://localhost:5173) and
# the local AI engine (http://127.0.0.1:8793, AI_ENGINE=local) on Miniflare's local D1, R2, KV, Queues and Images.
# Ctrl-C stops all three.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$PIXELFLARE_ROOT/scripts/setup.sh"
cd "$PIXELFLARE_ROOT"

printf '\n\033[1m▸ Starting\033[0m  API/CDN http://localhost:8787/v1/status · docs http://localhost:8787/v1/docs · dashboard http://localhost:5173\n\n'
# The API starts once the dashboard answers (at most 60 s later), so "the API answers" means the whole stack is up:
# scripts and health checks can poll /v1/status alone.
exec concurrently --kill-others --names api,web,ai --prefix-colors cyan,magenta,yellow \
  "node scripts/wait-for.mjs http://127.0.0.1:5173/ 60; exec wrangler dev --local --config wrangler.toml --port 8787 --ip 127.0.0.1 --persist-to \"$PIXELFLARE_STATE_DIR\" --show-interactive-dev-session=false" \
  "pnpm --filter @pixelflare/frontend dev" \
  "pnpm --filter @pixelflare/ai-local start"
