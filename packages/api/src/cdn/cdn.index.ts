import { Hono } from 'hono';
import type { AppEnv } from '../lib/types';
import { serveCdn } from './serve';

/** `/cdn/*`: public image URLs. The hot path; it imports only what a cached request needs. */
export const cdnRouter = new Hono<AppEnv>();
cdnRouter.get('/*', serveCdn);
