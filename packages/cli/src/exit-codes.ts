import { ApiError } from '@pixelflare/client';

/** What `pixelflare` exits with; documented in packages/docs/guide/cli.md. */
export const EXIT = {
  ok: 0,
  /** Something the CLI did not expect (a bug, a file it could not read or write). */
  failure: 1,
  /** The command line itself is wrong: unknown command or option, missing argument. */
  usage: 2,
  /** Not logged in, or the key was refused (401) or lacks the scope (403). */
  auth: 3,
  /** The image, album, key or other resource does not exist (404). */
  notFound: 4,
  /** The API refused the request (any other 4xx: invalid input, conflict, too large, unsupported type). */
  refused: 5,
  /** The instance could not be reached, answered 5xx, or asked to slow down (429): try again later. */
  unavailable: 6,
  /** Some items of a batch (upload, rm, restore, download) failed; the others went through. */
  partial: 7,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A mistake on the command line, or a local condition the user must fix; never an API answer. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: string = 'USAGE',
    readonly exitCode: ExitCode = EXIT.usage,
  ) {
    super(message);
  }
}

export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof ApiError) {
    if (error.code === 'NETWORK_ERROR' || error.status >= 500 || error.status === 429)
      return EXIT.unavailable;
    if (error.status === 401 || error.status === 403) return EXIT.auth;
    if (error.status === 404) return EXIT.notFound;
    if (error.status >= 400) return EXIT.refused;
  }
  return EXIT.failure;
}

/** The `{ code, message }` an error is reported with, in text and in `--json`. */
export function describeError(error: unknown): {
  code: string;
  message: string;
  status?: number;
  requestId?: string;
} {
  if (error instanceof ApiError)
    return {
      code: error.code,
      message: error.issues.length
        ? `${error.message} (${error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')})`
        : error.message,
      status: error.status,
      ...(error.requestId ? { requestId: error.requestId } : {}),
    };
  if (error instanceof CliError) return { code: error.code, message: error.message };
  return { code: 'CLI_ERROR', message: error instanceof Error ? error.message : String(error) };
}
