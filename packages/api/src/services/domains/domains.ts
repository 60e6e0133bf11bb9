import { CUSTOM_DOMAIN_VERIFICATION } from '@pixelflare/config';
import {
  customDomains,
  users,
  type CustomDomainDnsRecord,
  type CustomDomainStatus,
  type Database,
} from '@pixelflare/database';
import { normalizeHostname, type CustomDomain, type HostnameProblem } from '@pixelflare/shared';
import { and, eq, sql } from 'drizzle-orm';
import { sendDomainsMessage, type DomainsQueueMessage } from '../../jobs/messages';
import { AppError, badRequest, conflict, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Logger } from '../../lib/logger';
import { isUniqueViolation } from '../../lib/sql';
import {
  CloudflareApiError,
  CloudflareUnreachableError,
  type CloudflareCustomHostname,
  type CustomHostnamesClient,
} from '../cloudflare/custom-hostnames';
import { outboxInsertWhen } from '../events/outbox';
import { forgetCustomHost, rememberCustomHost } from './host-cache';

type DomainRow = typeof customDomains.$inferSelect;

export interface DomainDeps {
  db: Database;
  kv: KVNamespace;
  cloudflare: CustomHostnamesClient;
  queue: Queue<DomainsQueueMessage>;
  /** Where users point their CNAME: Cloudflare for SaaS's fallback origin. */
  fallbackCname: string;
  /** The product's own host names (API, dashboard, CDN, fallback): never anyone's custom domain. */
  ownHosts: string[];
  logger?: Logger;
}

export function customDomainView(row: DomainRow): CustomDomain {
  return {
    hostname: row.hostname,
    status: row.status,
    reason: row.lastError,
    dns_records: row.dnsRecords ?? [],
    cloudflare_status: row.cloudflareStatus,
    ssl_status: row.sslStatus,
    checks: row.verificationAttempts,
    verified_at: row.verifiedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/**
 * The records the owner creates: the CNAME to the fallback origin, then the TXT records exactly as Cloudflare
 * returned them (ownership, then certificate validation). Certificate records may appear only on a later read.
 */
export function dnsRecordsOf(
  hostname: CloudflareCustomHostname,
  fallbackCname: string,
): CustomDomainDnsRecord[] {
  const records: CustomDomainDnsRecord[] = [
    { type: 'CNAME', name: hostname.hostname, value: fallbackCname, purpose: 'routing' },
  ];
  const ownership = hostname.ownership_verification;
  if (ownership?.name && ownership.value)
    records.push({ type: 'TXT', name: ownership.name, value: ownership.value, purpose: 'ownership' });
  for (const record of hostname.ssl?.validation_records ?? []) {
    if (record.txt_name && record.txt_value)
      records.push({ type: 'TXT', name: record.txt_name, value: record.txt_value, purpose: 'certificate' });
  }
  return records;
}

/** Cloudflare's statuses that end verification unsuccessfully. */
const BLOCKED = new Set(['blocked', 'pending_blocked']);
const GONE = new Set(['moved', 'deleted', 'pending_deletion']);

/** What Cloudflare's answer means here, with its own words for the reason. */
export function interpretHostname(hostname: CloudflareCustomHostname): {
  status: Exclude<CustomDomainStatus, 'timed_out'>;
  reason: string | null;
} {
  const sslStatus = hostname.ssl?.status ?? '';
  const reasons = [
    ...(hostname.verification_errors ?? []),
    ...(hostname.ssl?.validation_errors ?? []).map((error) => error.message),
  ].filter(Boolean);
  const reason = reasons.length > 0 ? reasons.join('; ') : null;
  if (hostname.status === 'active' && sslStatus === 'active') return { status: 'active', reason: null };
  if (BLOCKED.has(hostname.status))
    return { status: 'blocked', reason: reason ?? `Cloudflare has blocked ${hostname.hostname}` };
  if (GONE.has(hostname.status))
    return { status: 'error', reason: reason ?? `Cloudflare reports the hostname as ${hostname.status}` };
  if (sslStatus.endsWith('_timed_out') || sslStatus === 'expired' || sslStatus === 'deleted')
    return { status: 'error', reason: reason ?? `Certificate ${sslStatus.replaceAll('_', ' ')}` };
  return { status: 'pending', reason };
}

const PROBLEM_MESSAGES: Record<HostnameProblem, string> = {
  syntax: 'is not a valid host name (no scheme, port or path, e.g. img.example.com)',
  ip: 'is an IP address; a custom domain is a host name',
  'single-label': 'needs at least two labels, e.g. img.example.com',
  reserved: 'is under a reserved or shared suffix nobody can issue a certificate for',
};

/** The normalised host name, or a 400 naming why not. */
export function validateCustomHostname(input: string, ownHosts: string[]): string {
  const normalized = normalizeHostname(input);
  if (!normalized.ok) {
    const message = PROBLEM_MESSAGES[normalized.problem];
    throw badRequest(`"${input}" ${message}`, [{ path: 'hostname', message }]);
  }
  const hostname = normalized.hostname;
  const own = ownHosts.find((host) => hostname === host || hostname.endsWith(`.${host}`));
  if (own) {
    const message = `is this service's own host (${own}) or under it`;
    throw badRequest(`"${hostname}" ${message}`, [{ path: 'hostname', message }]);
  }
  return hostname;
}

/** Cloudflare failures as the API answers them: the user's mistakes 4xx, Cloudflare's trouble 503. */
function cloudflareFailure(error: unknown): AppError {
  if (error instanceof CloudflareApiError) {
    const detail = error.errors.map((e) => e.message).join('; ') || `status ${error.status}`;
    if (error.rateLimited) {
      const retry = error.retryAfterSeconds ?? CUSTOM_DOMAIN_VERIFICATION.rateLimitedRetrySeconds;
      return new AppError(
        503,
        'SERVICE_UNAVAILABLE',
        `Cloudflare is rate limiting us (${detail}); retry in ${retry} s`,
        undefined,
        {
          'Retry-After': String(retry),
        },
      );
    }
    if (error.status === 409)
      return conflict(`Cloudflare already has this host name on another zone: ${detail}`);
    if (error.status === 401 || error.status === 403)
      return new AppError(503, 'MISCONFIGURED', `Cloudflare refused CLOUDFLARE_API_TOKEN: ${detail}`);
    if (error.status >= 400 && error.status < 500)
      return new AppError(422, 'VALIDATION_FAILED', `Cloudflare refused the host name: ${detail}`, [
        { path: 'hostname', message: detail },
      ]);
    return new AppError(503, 'SERVICE_UNAVAILABLE', `Cloudflare failed: ${detail}`, undefined, {
      'Retry-After': '30',
    });
  }
  if (error instanceof CloudflareUnreachableError)
    return new AppError(503, 'SERVICE_UNAVAILABLE', error.message, undefined, { 'Retry-After': '30' });
  throw error;
}

async function rowOfOwner(db: Database, ownerId: string): Promise<DomainRow | undefined> {
  const [row] = await db.select().from(customDomains).where(eq(customDomains.ownerId, ownerId)).limit(1);
  return row;
}

export async function getCustomDomain(db: Database, ownerId: string): Promise<CustomDomain> {
  const row = await rowOfOwner(db, ownerId);
  if (!row) throw notFound('Custom domain');
  return customDomainView(row);
}

/**
 * Adds the owner's custom domain. The row is written first (its unique indexes settle a race for the name or a
 * second domain), then Cloudflare is asked; if Cloudflare refuses, the row is removed again, so a failure leaves
 * nothing here. The first verification poll is queued.
 */
export async function addCustomDomain(
  deps: DomainDeps,
  ownerId: string,
  input: string,
): Promise<{ domain: CustomDomain; created: boolean }> {
  const hostname = validateCustomHostname(input, deps.ownHosts);
  const [claimed] = await deps.db
    .select({ ownerId: customDomains.ownerId })
    .from(customDomains)
    .where(eq(customDomains.hostname, hostname))
    .limit(1);
  const existing = await rowOfOwner(deps.db, ownerId);
  if (existing?.hostname === hostname) return { domain: customDomainView(existing), created: false };
  if (claimed) throw conflict(`${hostname} is already claimed by another account`);
  if (existing)
    throw conflict(`Your account already has a custom domain (${existing.hostname}); remove it first`);

  const id = newId('dom');
  try {
    await deps.db.insert(customDomains).values({ id, ownerId, hostname, status: 'pending' });
  } catch (error) {
    if (isUniqueViolation(error))
      throw conflict(`${hostname} is already claimed, or your account has a domain`);
    throw error;
  }
  let created: CloudflareCustomHostname;
  try {
    created = await deps.cloudflare.create(hostname);
  } catch (error) {
    await deps.db.delete(customDomains).where(eq(customDomains.id, id));
    throw cloudflareFailure(error);
  }
  const [row] = await deps.db
    .update(customDomains)
    .set({
      cloudflareHostnameId: created.id,
      dnsRecords: dnsRecordsOf(created, deps.fallbackCname),
      cloudflareStatus: created.status,
      sslStatus: created.ssl?.status ?? null,
    })
    .where(eq(customDomains.id, id))
    .returning();
  await scheduleFirstPoll(deps, row!, CUSTOM_DOMAIN_VERIFICATION.pollIntervalSeconds);
  return { domain: customDomainView(row!), created: true };
}

async function scheduleFirstPoll(deps: DomainDeps, row: DomainRow, delaySeconds: number): Promise<void> {
  try {
    await sendDomainsMessage(
      deps.queue,
      { type: 'verify-domain', domainId: row.id, ownerId: row.ownerId, poll: row.verificationAttempts + 1 },
      delaySeconds,
    );
  } catch (error) {
    // The domain is registered; a recheck queues the poll again.
    deps.logger?.warn('could not queue the custom domain poll', { domainId: row.id, error: String(error) });
  }
}

/** Removes the domain at Cloudflare, then here; if Cloudflare fails, nothing is removed (retry the DELETE). */
export async function removeCustomDomain(deps: DomainDeps, ownerId: string): Promise<CustomDomain> {
  const row = await rowOfOwner(deps.db, ownerId);
  if (!row) throw notFound('Custom domain');
  if (row.cloudflareHostnameId) {
    try {
      await deps.cloudflare.remove(row.cloudflareHostnameId);
    } catch (error) {
      throw cloudflareFailure(error);
    }
  }
  await deps.db
    .delete(customDomains)
    .where(and(eq(customDomains.id, row.id), eq(customDomains.ownerId, ownerId)));
  await forgetCustomHost(deps.kv, row.hostname).catch(() => undefined);
  return customDomainView(row);
}

/**
 * Starts verification again: the poll count goes back to 0 and a poll is queued now. For a domain still pending
 * (its queued polls may have been lost), blocked, failed or timed out; an active one is 409.
 */
export async function recheckCustomDomain(deps: DomainDeps, ownerId: string): Promise<CustomDomain> {
  const row = await rowOfOwner(deps.db, ownerId);
  if (!row) throw notFound('Custom domain');
  if (row.status === 'active') throw conflict(`${row.hostname} is already active`);
  const [reset] = await deps.db
    .update(customDomains)
    .set({ status: 'pending', verificationAttempts: 0, lastError: null })
    .where(and(eq(customDomains.id, row.id), eq(customDomains.ownerId, ownerId)))
    .returning();
  await scheduleFirstPoll(deps, reset!, 0);
  return customDomainView(reset!);
}

export type PollOutcome =
  { kind: 'skipped'; reason: string } | { kind: 'polled'; status: CustomDomainStatus; next: boolean };

/**
 * One verification poll (the domains queue's consumer). It runs only if the row is pending and has done exactly
 * `poll - 1` polls; the row's update is guarded by the same condition, so running a message twice changes nothing
 * the second time. The next poll is queued before the row is updated: if the update is lost the message is retried
 * and the extra next poll finds the count moved on and does nothing. A 429 retries this poll later without using
 * one of the 40; any other Cloudflare failure uses the poll and keeps the domain pending.
 */
export async function pollCustomDomain(
  deps: Omit<DomainDeps, 'ownHosts'>,
  message: DomainsQueueMessage,
  now = new Date(),
): Promise<PollOutcome> {
  const [row] = await deps.db
    .select()
    .from(customDomains)
    .where(and(eq(customDomains.id, message.domainId), eq(customDomains.ownerId, message.ownerId)))
    .limit(1);
  if (!row) return { kind: 'skipped', reason: 'domain removed' };
  if (row.status !== 'pending') return { kind: 'skipped', reason: `domain is ${row.status}` };
  if (row.verificationAttempts !== message.poll - 1)
    return { kind: 'skipped', reason: `poll ${message.poll} already done or superseded` };
  if (!row.cloudflareHostnameId) return { kind: 'skipped', reason: 'not registered with Cloudflare' };

  let status: CustomDomainStatus = 'pending';
  let reason: string | null;
  let change: Partial<DomainRow> = {};
  try {
    const hostname = await deps.cloudflare.get(row.cloudflareHostnameId);
    if (!hostname) {
      status = 'error';
      reason = 'Cloudflare no longer has this custom hostname; remove it and add it again';
    } else {
      ({ status, reason } = interpretHostname(hostname));
      change = {
        cloudflareStatus: hostname.status,
        sslStatus: hostname.ssl?.status ?? null,
        dnsRecords: dnsRecordsOf(hostname, deps.fallbackCname),
      };
    }
  } catch (error) {
    if (error instanceof CloudflareApiError && error.rateLimited) {
      throw new RateLimitedByCloudflare(
        error.retryAfterSeconds ?? CUSTOM_DOMAIN_VERIFICATION.rateLimitedRetrySeconds,
      );
    }
    if (!(error instanceof CloudflareApiError || error instanceof CloudflareUnreachableError)) throw error;
    reason = `Last check failed: ${error.message}`;
  }
  if (status === 'pending' && message.poll >= CUSTOM_DOMAIN_VERIFICATION.maxPolls) {
    status = 'timed_out';
    reason = `Still pending after ${CUSTOM_DOMAIN_VERIFICATION.maxPolls} checks${reason ? `: ${reason}` : ''}`;
  }
  const next = status === 'pending';
  if (next) {
    await sendDomainsMessage(
      deps.queue,
      { ...message, poll: message.poll + 1 },
      CUSTOM_DOMAIN_VERIFICATION.pollIntervalSeconds,
    );
  }
  const updated: DomainRow = {
    ...row,
    ...change,
    status,
    lastError: status === 'active' ? null : reason,
    verificationAttempts: message.poll,
    verifiedAt: status === 'active' ? now : row.verifiedAt,
    updatedAt: now,
  };
  const guard = and(
    eq(customDomains.id, row.id),
    eq(customDomains.status, 'pending'),
    eq(customDomains.verificationAttempts, message.poll - 1),
  );
  const update = deps.db
    .update(customDomains)
    .set({
      ...change,
      status,
      lastError: updated.lastError,
      verificationAttempts: message.poll,
      verifiedAt: updated.verifiedAt,
      updatedAt: now,
    })
    .where(guard);
  const event = status === 'active' ? 'domain.active' : status === 'pending' ? null : 'domain.failed';
  if (event) {
    // changes() is the guarded update's row count: the event is written only by the run that made the change.
    await deps.db.batch([
      update,
      outboxInsertWhen(deps.db, sql`changes() = 1`, row.ownerId, event, customDomainView(updated)),
    ]);
  } else {
    await update;
  }
  if (status === 'active') {
    const [owner] = await deps.db.select({ slug: users.slug }).from(users).where(eq(users.id, row.ownerId));
    if (owner)
      await rememberCustomHost(deps.kv, {
        hostname: row.hostname,
        ownerId: row.ownerId,
        ownerSlug: owner.slug,
      }).catch(() => undefined);
  }
  return { kind: 'polled', status, next };
}

/** Cloudflare answered 429: the poll is retried after `delaySeconds` without counting. */
export class RateLimitedByCloudflare extends Error {
  constructor(readonly delaySeconds: number) {
    super(`Cloudflare rate limited the poll; retry in ${delaySeconds} s`);
    this.name = 'RateLimitedByCloudflare';
  }
}
