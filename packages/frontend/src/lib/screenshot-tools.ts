/**
 * Upload scripts for screenshot tools other than ShareX (whose `.sxcu` is in sharex.ts): Flameshot on Linux and
 * the macOS screenshot tool. Both are bash with curl, sending to the one-shot upload endpoint (multipart field
 * `file`, bearer key) like the `.sxcu`, and reading the image's CDN URL (`urls.cdn`) from the JSON answer.
 * With file arguments they upload those files instead of taking a screenshot (and so can be tested anywhere).
 */

export type ScreenshotTool = 'flameshot' | 'macos';

interface ToolParts {
  title: string;
  usage: string[];
  capture: string[];
  copy: string[];
  notify: string[];
}

const TOOLS: Record<ScreenshotTool, ToolParts> = {
  flameshot: {
    title: 'Flameshot (Linux)',
    usage: [
      "# Bind it to a key in your desktop's keyboard settings (GNOME: Settings > Keyboard > Custom Shortcuts;",
      '# KDE: System Settings > Shortcuts > Custom Shortcuts), e.g. Print, running: bash /path/to/this/file',
      '# Needs curl; flameshot to capture; wl-copy, xclip or xsel to copy the URL; notify-send to show it.',
    ],
    capture: [
      '  command -v flameshot >/dev/null || fail "flameshot is not installed"',
      '  # --raw writes the PNG to stdout; nothing when the selection is cancelled.',
      '  flameshot gui --raw >"$shot" 2>/dev/null || true',
    ],
    copy: [
      '  if command -v wl-copy >/dev/null && [ -n "${WAYLAND_DISPLAY:-}" ]; then',
      '    printf %s "$1" | wl-copy || true',
      '  elif command -v xclip >/dev/null && [ -n "${DISPLAY:-}" ]; then',
      '    printf %s "$1" | xclip -selection clipboard || true',
      '  elif command -v xsel >/dev/null && [ -n "${DISPLAY:-}" ]; then',
      '    printf %s "$1" | xsel --clipboard --input || true',
      '  fi',
    ],
    notify: ['  command -v notify-send >/dev/null && notify-send "Pixelflare" "$1" || true'],
  },
  macos: {
    title: 'macOS screenshots',
    usage: [
      '# Save it as ~/bin/pixelflare-screenshot.sh, then either add a "Run Shell Script" action running',
      '# bash ~/bin/pixelflare-screenshot.sh to a Shortcut (Shortcuts app; give it a keyboard shortcut in its',
      '# details), or create an Automator Quick Action with it and bind it in System Settings > Keyboard >',
      '# Keyboard Shortcuts > Services. Uses screencapture, pbcopy and osascript, which macOS ships, and curl.',
    ],
    capture: [
      '  # -i: select an area (space bar: a window); nothing is written when it is cancelled with Escape.',
      '  screencapture -i "$shot" 2>/dev/null || true',
    ],
    copy: ['  command -v pbcopy >/dev/null && printf %s "$1" | pbcopy || true'],
    notify: [
      '  command -v osascript >/dev/null &&',
      '    osascript -e "display notification \\"$1\\" with title \\"Pixelflare\\"" >/dev/null 2>&1 || true',
    ],
  },
};

/** A shell word that stays as written: single quotes, with any single quote closed, escaped and reopened. */
const shellQuote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

export function screenshotScriptName(tool: ScreenshotTool): string {
  return tool === 'flameshot' ? 'pixelflare-flameshot.sh' : 'pixelflare-screenshot.sh';
}

/** The script for `tool`, uploading to the instance at `apiOrigin` with `apiKey` (best an upload-only key). */
export function screenshotScript(tool: ScreenshotTool, apiOrigin: string, apiKey: string): string {
  const parts = TOOLS[tool];
  const origin = apiOrigin.replace(/\/$/, '');
  return [
    '#!/usr/bin/env bash',
    `# Pixelflare uploader for ${parts.title}, for ${new URL(origin).host}.`,
    '#   bash this-file            take a screenshot, upload it, copy its URL and show a notification',
    '#   bash this-file FILE...    upload these files instead; each URL is printed on its own line',
    ...parts.usage,
    '# The key below can only upload (revoke it in Settings > API keys); PIXELFLARE_URL and',
    '# PIXELFLARE_API_KEY in the environment override both.',
    'set -eu',
    `PIXELFLARE_URL="\${PIXELFLARE_URL:-${origin}}"`,
    `PIXELFLARE_API_KEY="\${PIXELFLARE_API_KEY:-}"`,
    `[ -n "$PIXELFLARE_API_KEY" ] || PIXELFLARE_API_KEY=${shellQuote(apiKey)}`,
    '',
    'fail() { echo "pixelflare: $*" >&2; notify "Upload failed: $*"; exit 1; }',
    'copy() {',
    ...parts.copy,
    '}',
    'notify() {',
    ...parts.notify,
    '}',
    '',
    "# POST /v1/upload; prints the CDN URL, or fails with the API's error message.",
    'upload() {',
    '  local answer status body url',
    '  answer=$(curl -sS -w \'\\n%{http_code}\' -H "Authorization: Bearer $PIXELFLARE_API_KEY" \\',
    '    -F "file=@\\"$1\\"" "$PIXELFLARE_URL/v1/upload") || fail "could not reach $PIXELFLARE_URL"',
    "  status=${answer##*$'\\n'}",
    "  body=${answer%$'\\n'*}",
    '  if [ "$status" -lt 200 ] || [ "$status" -ge 300 ]; then',
    '    fail "$(printf %s "$body" | grep -o \'"message":"[^"]*"\' | head -n 1 | cut -d\'"\' -f4) (HTTP $status)"',
    '  fi',
    '  url=$(printf %s "$body" | grep -o \'"cdn":"[^"]*"\' | head -n 1 | cut -d\'"\' -f4)',
    '  [ -n "$url" ] || fail "the answer had no URL (is the image encrypted?)"',
    '  printf \'%s\\n\' "$url"',
    '}',
    '',
    'if [ "$#" -gt 0 ]; then',
    '  last=""',
    '  for file in "$@"; do',
    '    [ -f "$file" ] || fail "$file: no such file"',
    '    last=$(upload "$file")',
    '    printf \'%s\\n\' "$last"',
    '  done',
    '  copy "$last"',
    '  exit 0',
    'fi',
    '',
    'folder=$(mktemp -d "${TMPDIR:-/tmp}/pixelflare.XXXXXX")',
    'trap \'rm -rf "$folder"\' EXIT',
    'shot="$folder/screenshot-$(date +%Y-%m-%d-%H%M%S).png"',
    'capture() {',
    ...parts.capture,
    '}',
    'capture',
    '[ -s "$shot" ] || exit 0 # cancelled',
    'url=$(upload "$shot")',
    'copy "$url"',
    'notify "Copied $url"',
    'printf \'%s\\n\' "$url"',
    '',
  ].join('\n');
}
