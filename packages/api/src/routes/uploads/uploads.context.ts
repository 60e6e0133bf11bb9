import type { Context } from 'hono';
import type { AppEnv } from '../../lib/types';
import { ingestDepsFrom, type IngestDeps } from '../../services/ingest/ingest';

/** The ingest dependencies (and every upload limit) for this request, from its bindings and config. */
export function ingestDepsOf(c: Context<AppEnv>): IngestDeps {
  return ingestDepsFrom(c.get('db'), c.env, c.get('config'));
}
