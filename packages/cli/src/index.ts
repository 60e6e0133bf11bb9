import { loginHelp, runLogin, runWhoami } from './commands/account';
import { DECRYPT_USAGE, runDecrypt } from './commands/decrypt';
import { importHelp, runImport } from './commands/import';
import { mcpHelp, runMcp } from './commands/mcp';
import { runDownload, runGet, runList, runRemove, runRestore, runUrl, urlHelp } from './commands/images';
import { runAlbums, runKeys, runTags } from './commands/manage';
import { runUpload, uploadHelp } from './commands/upload';
import { CLI_VERSION, createContext, reportError, type Context } from './context';
import { CliError, EXIT, exitCodeOf, type ExitCode } from './exit-codes';

type Command = (context: Context, args: string[]) => Promise<ExitCode>;

const COMMANDS: Record<string, { run: Command; summary: string; help?: string }> = {
  login: { run: runLogin, summary: 'store an instance URL and API key', help: loginHelp },
  whoami: { run: runWhoami, summary: 'who the stored key belongs to' },
  upload: { run: runUpload, summary: 'upload files, folders or globs', help: uploadHelp },
  import: {
    run: runImport,
    summary: 'import a folder (sub-folders as albums), an S3 bucket or a list of URLs, resumably',
    help: importHelp,
  },
  list: { run: (c, a) => runList(c, a), summary: 'list images (--album, --tag, --favourite, --sort, --all)' },
  search: { run: (c, a) => runList(c, a, true), summary: 'full-text search of your images' },
  get: { run: runGet, summary: "an image's metadata and every URL" },
  download: { run: runDownload, summary: 'download originals (-o file or folder)' },
  rm: { run: runRemove, summary: 'move images to trash (--permanent deletes now)' },
  restore: { run: runRestore, summary: 'bring images back from trash' },
  albums: { run: runAlbums, summary: 'list, create or rm albums' },
  tags: { run: runTags, summary: 'list tags with their counts' },
  keys: { run: runKeys, summary: 'list, create or revoke API keys' },
  mcp: {
    run: runMcp,
    summary: "a Model Context Protocol server on stdio for AI assistants (tools by the key's scopes)",
    help: mcpHelp,
  },
  url: { run: runUrl, summary: 'a transform URL for an image, signed when it must be', help: urlHelp },
  // Offline: reads a key bundle and an encrypted object, needs no instance (its own exit codes are 0, 1 and 2).
  decrypt: {
    run: async (_context, args) => (await runDecrypt(args)) as ExitCode,
    summary: 'decrypt an encrypted original or rendition offline (key bundle and passphrase)',
    help: DECRYPT_USAGE,
  },
};

function usage(): string {
  const all = COMMANDS;
  const width = Math.max(...Object.keys(all).map((name) => name.length));
  return [
    `pixelflare ${CLI_VERSION}: the command line for a Pixelflare instance`,
    '',
    'usage: pixelflare <command> [options] [--json]',
    '',
    ...Object.entries(all).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    '',
    'pixelflare <command> --help for its options. Exit codes: 0 ok, 1 failure, 2 usage, 3 not logged in or',
    'refused key, 4 not found, 5 refused by the API, 6 instance unreachable or busy, 7 some items failed.',
  ].join('\n');
}

/** Runs one command line and answers its exit code; nothing here calls process.exit. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  const json = argv.includes('--json');
  const args = argv.filter((arg) => arg !== '--json');
  const context = createContext(json, env);
  const [name, ...rest] = args;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    context.stdout.write(`${usage()}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === 'version') {
    context.stdout.write(`${CLI_VERSION}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new CliError(`Unknown command ${name}: pixelflare --help lists them`);
    if (rest.includes('--help') || rest.includes('-h')) {
      context.stdout.write(
        `${'help' in command && command.help ? command.help : `pixelflare ${name}: ${command.summary}`}\n`,
      );
      return EXIT.ok;
    }
    return await command.run(context, rest);
  } catch (error) {
    reportError(context, error);
    return exitCodeOf(error);
  }
}
