import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { screenshotScript, screenshotScriptName } from './screenshot-tools';

describe('screenshotScript', () => {
  for (const tool of ['flameshot', 'macos'] as const) {
    it(`${tool}: valid bash posting to the one-shot upload with the key, quoted whatever it holds`, () => {
      const script = screenshotScript(tool, 'https://img.example.com/', "pf_it's$(rm -rf ~)");
      // bash -n parses without running anything.
      execFileSync('bash', ['-n'], { input: script });
      expect(script).toContain('PIXELFLARE_URL="${PIXELFLARE_URL:-https://img.example.com}"');
      expect(script).toContain(`PIXELFLARE_API_KEY='pf_it'\\''s$(rm -rf ~)'`);
      expect(script).toContain('"$PIXELFLARE_URL/v1/upload"');
      expect(script).toContain(tool === 'flameshot' ? 'flameshot gui --raw' : 'screencapture -i');
      expect(screenshotScriptName(tool)).toMatch(/\.sh$/);
    });
  }
});
