import { Hono } from 'hono';
import type { AppEnv } from '../lib/types';
import { recordCdnAnswers } from './analytics';
import { serveCdn } from './serve';

/**
 * `/cdn/*`: public image URLs, the hot path. A cached answer costs one Cache API lookup (two with a query
 * string) and reads nothing else; D1, R2 and the engine are reached only on a miss, and an engine's codecs are
 * loaded on its first render (`loadEngine`).
 */
export const cdnRouter = new Hono<AppEnv>();
cdnRouter.use('/*', recordCdnAnswers);
cdnRouter.get('/*', serveCdn);
