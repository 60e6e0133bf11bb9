# Sourced by the other scripts: the pinned Node 22 and pnpm first on PATH, and no outbound calls from wrangler.
PIXELFLARE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PIXELFLARE_ROOT
export PATH="$PIXELFLARE_ROOT/tools/node_modules/.bin:$PIXELFLARE_ROOT/node_modules/.bin:$PATH"
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export DO_NOT_TRACK=1
# Miniflare's state (D1, R2, KV, Queues) lives here and survives restarts.
export PIXELFLARE_STATE_DIR="$PIXELFLARE_ROOT/.wrangler/state"
