import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import {
  DecryptError,
  KeyError,
  contentKeyFromBundle,
  offlineDecryptStream,
  parseImageKey,
  renditionOfObjectKey,
} from '@pixelflare/shared';

export const DECRYPT_USAGE = `Usage: pixelflare decrypt --bundle <keys.json> --image <key record or wrapped key> <in> <out>

Decrypts an encrypted object read straight from R2 (or an S3 backup), with no server and no root key.

  --bundle <file>          key bundle from POST /v1/encryption/export (Settings > Encryption > Export)
  --image <file|json|key>  the image's key record (GET /v1/images/{id}/encryption-key), as a file or inline
                           JSON, or its bare wrapped key "v1.…" (then --image-id is needed)
  --image-id <id>          the image id, with a bare wrapped key
  --rendition <name>       original, thumb, w256 or w1024 (default: from the object's name)
  --passphrase-file <file> the bundle's passphrase (else PIXELFLARE_PASSPHRASE, else asked on the terminal)

Exit codes: 0 decrypted; 1 the object or key does not decrypt (nothing is written); 2 usage error.`;

export interface DecryptIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Asks for the passphrase when none is given (a terminal prompt in the real command). */
  askPassphrase?: () => Promise<string>;
}

const defaultIo: DecryptIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

async function readArg(value: string): Promise<string> {
  const trimmed = value.trim();
  if (trimmed.startsWith('{') || /^v\d+\.[A-Za-z0-9_-]+$/.test(trimmed)) return trimmed;
  return readFile(value, 'utf8');
}

/**
 * `pixelflare decrypt`: writes the plaintext to a temporary file beside `out` and renames it only once every
 * segment authenticated, so a tampered or truncated object leaves no partial output. Returns the exit code.
 */
export async function runDecrypt(args: string[], io: DecryptIo = defaultIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        bundle: { type: 'string' },
        image: { type: 'string' },
        'image-id': { type: 'string' },
        rendition: { type: 'string' },
        'passphrase-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${DECRYPT_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(`${DECRYPT_USAGE}\n`);
    return 0;
  }
  const [input, output] = positionals;
  if (!values.bundle || !values.image || !input || !output || positionals.length !== 2) {
    io.stderr(`${DECRYPT_USAGE}\n`);
    return 2;
  }
  const partial = `${output}.partial-${process.pid}`;
  try {
    const bundle = JSON.parse(await readFile(values.bundle, 'utf8')) as { owner_id?: string };
    const image = parseImageKey(await readArg(values.image), {
      imageId: values['image-id'],
      ownerId: bundle.owner_id,
    });
    const passphrase = values['passphrase-file']
      ? (await readFile(values['passphrase-file'], 'utf8')).replace(/\r?\n$/, '')
      : (io.env.PIXELFLARE_PASSPHRASE ?? (io.askPassphrase ? await io.askPassphrase() : undefined));
    if (!passphrase) {
      io.stderr('No passphrase: use --passphrase-file or PIXELFLARE_PASSPHRASE\n');
      return 2;
    }
    const rendition = values.rendition ?? renditionOfObjectKey(input, image);
    const cek = await contentKeyFromBundle(bundle, passphrase, image);
    const source = Readable.toWeb(createReadStream(input)) as unknown as ReadableStream<Uint8Array>;
    const sink = Writable.toWeb(createWriteStream(partial)) as WritableStream<Uint8Array>;
    await source.pipeThrough(offlineDecryptStream(cek, image, rendition)).pipeTo(sink);
    await rename(partial, output);
    io.stdout(`Decrypted ${rendition} of ${image.imageId} to ${output}\n`);
    return 0;
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof DecryptError || error instanceof KeyError) {
      io.stderr(`pixelflare decrypt: ${error.message}\n`);
      return 1;
    }
    if (error instanceof SyntaxError) {
      io.stderr(`pixelflare decrypt: the bundle is not valid JSON\n`);
      return 1;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      io.stderr(`pixelflare decrypt: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}
