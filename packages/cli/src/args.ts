import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './exit-codes';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `node:util` parseArgs, strict, with its errors as usage errors (exit 2). */
export function parse<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
}

export function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new CliError(`--${name} must be a positive integer`);
  return parsed;
}

export function requireArguments(positionals: string[], what: string): string[] {
  if (positionals.length === 0) throw new CliError(`Missing ${what}`);
  return positionals;
}
