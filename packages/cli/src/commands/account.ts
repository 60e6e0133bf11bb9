import { createInterface } from 'node:readline/promises';
import { parse } from '../args';
import { normaliseUrl, writeStoredConfig } from '../config';
import { clientFor, formatBytes, output, type Context } from '../context';
import { CliError, EXIT, type ExitCode } from '../exit-codes';

async function ask(question: string): Promise<string> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await prompt.question(question)).trim();
  } finally {
    prompt.close();
  }
}

export const loginHelp = `pixelflare login [--url <instance>] [--api-key <key>]

  Checks the key against the instance, then keeps both in the config directory (mode 0600).
  Asks for what is not given when run in a terminal. PIXELFLARE_URL and PIXELFLARE_API_KEY override the stored login.`;

export async function runLogin(context: Context, args: string[]): Promise<ExitCode> {
  const { values } = parse(args, { url: { type: 'string' }, 'api-key': { type: 'string' } });
  const interactive = Boolean(process.stdin.isTTY) && !context.json;
  let url = values.url ?? context.env.PIXELFLARE_URL;
  let apiKey = values['api-key'] ?? context.env.PIXELFLARE_API_KEY;
  if (!url && interactive) url = await ask('Instance URL (e.g. https://images.example.org): ');
  if (!apiKey && interactive) apiKey = await ask('API key (Settings › API keys): ');
  if (!url || !apiKey)
    throw new CliError('login needs --url and --api-key (or run it in a terminal to be asked)');
  const origin = normaliseUrl(url);
  // A key is stored only once the instance has accepted it.
  const me = await clientFor(origin, apiKey).getMe();
  const file = writeStoredConfig({ url: origin, apiKey });
  output(context, { url: origin, user: me.slug, config: file }, () => [
    `Logged in to ${origin} as ${me.slug} (saved in ${file})`,
  ]);
  return EXIT.ok;
}

export async function runWhoami(context: Context, args: string[]): Promise<ExitCode> {
  parse(args, {});
  const { url, api } = context.connect();
  const me = await api.getMe();
  output(context, { url, ...me }, () => [
    `${me.slug}${me.is_admin ? ' (admin)' : ''} at ${url}`,
    `plan ${me.plan}, ${me.image_count} images, ${formatBytes(me.storage_bytes)}`,
  ]);
  return EXIT.ok;
}
