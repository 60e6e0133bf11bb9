import { SHARE_LINK_LIMITS } from '@pixelflare/config';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { AppError, notFound } from '../../lib/errors';
import { describeError } from '../../lib/logger';
import type { AppEnv } from '../../lib/types';
import { clientIp } from '../../middleware/client-ip';
import { dispatchOutbox } from '../../services/events/dispatch';
import { signingDepsOf } from '../../services/images/resource';
import { sharedContent } from '../../services/share-links/content';
import { countWrongPassword, passwordRetryAfter } from '../../services/share-links/password-guard';
import { verifySharePassword } from '../../services/share-links/password';
import {
  findLinkByToken,
  noteExpired,
  shareLinkState,
  takeView,
  type VisitedLink,
} from '../../services/share-links/share-links';
import { isUnlocked, unlockValue } from '../../services/share-links/unlock';
import {
  albumSharePage,
  gonePage,
  goneMessage,
  imageSharePage,
  notFoundPage,
  passwordPage,
  type GoneReason,
} from './share-page.views';

type ShareContext = Context<AppEnv>;

const UNLOCK_COOKIE = 'pf_share';
/** Every answer changes with each view (counts, signed URLs): nothing may keep a copy. */
const NO_STORE = { 'Cache-Control': 'no-store' };

/** A client asking for JSON and not for HTML (a script, an API client) gets the API's error bodies instead of pages. */
function wantsJson(c: ShareContext): boolean {
  const accept = c.req.header('Accept') ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

function notFoundAnswer(c: ShareContext) {
  if (wantsJson(c)) throw notFound('Share link');
  return c.html(notFoundPage(), 404, NO_STORE);
}

function goneAnswer(c: ShareContext, reason: GoneReason) {
  if (wantsJson(c)) throw new AppError(410, 'GONE', goneMessage(reason), undefined, NO_STORE);
  return c.html(gonePage(reason), 410, NO_STORE);
}

/** A view's events go to the webhooks queue without delaying the page (the cron sweep retries what fails). */
function flushEvents(c: ShareContext, ownerId: string) {
  c.executionCtx.waitUntil(
    dispatchOutbox(c.get('db'), c.env.WEBHOOKS_QUEUE, ownerId).catch((error: unknown) =>
      c.get('logger').warn('outbox dispatch failed; the sweep will retry', describeError(error)),
    ),
  );
}

/** Why a link opens nothing now, or null if it opens. A visit to an expired link writes its `share.expired`. */
async function goneReason(c: ShareContext, visited: VisitedLink, now: number): Promise<GoneReason | null> {
  const state = shareLinkState(visited.link, now);
  if (state === 'expired' && !visited.link.expiredEventAt)
    c.executionCtx.waitUntil(
      noteExpired(c.get('db'), visited, now).then(() => flushEvents(c, visited.link.ownerId)),
    );
  if (state !== 'active') return state;
  return visited.targetGone ? 'removed' : null;
}

const cookiePath = (token: string) => `/s/${encodeURIComponent(token)}`;

async function showLink(c: ShareContext) {
  const token = c.req.param('token') ?? '';
  const now = Date.now();
  const db = c.get('db');
  const visited = await findLinkByToken(db, token);
  if (!visited) return notFoundAnswer(c);
  const gone = await goneReason(c, visited, now);
  if (gone) return goneAnswer(c, gone);
  const secret = c.get('config').API_HASH_SECRET;
  if (
    visited.link.passwordHash &&
    !(await isUnlocked(secret, visited.link.id, getCookie(c, UNLOCK_COOKIE), now))
  ) {
    if (wantsJson(c))
      throw new AppError(401, 'UNAUTHORIZED', 'This link needs its password', undefined, NO_STORE);
    return c.html(passwordPage(), 200, NO_STORE);
  }
  // A HEAD (link checkers, some previewers) takes no view: only a page that is actually shown counts.
  if (c.req.method === 'HEAD') return c.body(null, 200, NO_STORE);
  const viewed = await takeView(db, visited, now);
  if (!viewed) {
    // Another visitor took the last view (or the owner revoked it) between the lookup and now.
    const current = await findLinkByToken(db, token);
    const state = current ? shareLinkState(current.link, now) : 'revoked';
    return goneAnswer(c, state === 'active' ? 'used_up' : state);
  }
  flushEvents(c, visited.link.ownerId);
  const content = await sharedContent(db, signingDepsOf(c.env, c.get('config')), visited, now);
  if (!content) return goneAnswer(c, 'removed');
  if (content.kind === 'image')
    return c.html(
      imageSharePage({ title: content.title, image: content.image, download: content.image.original }),
      200,
      NO_STORE,
    );
  return c.html(albumSharePage(content), 200, NO_STORE);
}

async function submitPassword(c: ShareContext) {
  const token = c.req.param('token') ?? '';
  const now = Date.now();
  const visited = await findLinkByToken(c.get('db'), token);
  if (!visited) return notFoundAnswer(c);
  const gone = await goneReason(c, visited, now);
  if (gone) return goneAnswer(c, gone);
  const again = () => c.redirect(cookiePath(token), 303);
  if (!visited.link.passwordHash) return again();
  const guard = {
    kv: c.env.KV,
    waitUntil: (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise),
    onError: (error: unknown) =>
      c.get('logger').warn('share password limiter unavailable, failing open', { error: String(error) }),
  };
  const ip = clientIp(c);
  const retryAfterSeconds = await passwordRetryAfter(guard, visited.link.id, ip);
  if (retryAfterSeconds > 0) {
    const headers = { ...NO_STORE, 'Retry-After': String(retryAfterSeconds) };
    if (wantsJson(c))
      throw new AppError(
        429,
        'RATE_LIMITED',
        `Too many wrong passwords; retry in ${retryAfterSeconds} s`,
        undefined,
        headers,
      );
    return c.html(passwordPage({ retryAfterSeconds }), 429, headers);
  }
  const form = await c.req.parseBody();
  const password = typeof form.password === 'string' ? form.password : '';
  if (password.length === 0 || password.length > SHARE_LINK_LIMITS.passwordMaxLength) {
    if (wantsJson(c)) throw new AppError(400, 'BAD_REQUEST', 'Enter the password', undefined, NO_STORE);
    return c.html(passwordPage(), 400, NO_STORE);
  }
  if (!verifySharePassword(password, visited.link.passwordHash)) {
    await countWrongPassword(guard, visited.link.id, ip);
    if (wantsJson(c)) throw new AppError(401, 'UNAUTHORIZED', 'Wrong password', undefined, NO_STORE);
    return c.html(passwordPage({ wrong: true }), 401, NO_STORE);
  }
  setCookie(c, UNLOCK_COOKIE, await unlockValue(c.get('config').API_HASH_SECRET, visited.link.id, now), {
    path: cookiePath(token),
    httpOnly: true,
    secure: new URL(c.req.url).protocol === 'https:',
    sameSite: 'Lax',
    maxAge: SHARE_LINK_LIMITS.unlockSeconds,
  });
  c.header('Cache-Control', 'no-store');
  return again();
}

/**
 * `/s/{token}`: a share link's page for visitors. Server-rendered, no script; a password form posts back to the
 * same URL. Unknown tokens are 404, links that no longer open 410 (JSON for clients asking for JSON).
 */
export const sharePagesRouter = new Hono<AppEnv>();
sharePagesRouter.get('/:token', showLink);
sharePagesRouter.post('/:token', submitPassword);
