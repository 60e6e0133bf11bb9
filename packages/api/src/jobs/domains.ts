import { CUSTOM_DOMAIN_VERIFICATION } from '@pixelflare/config';
import { DomainsQueueMessage } from './messages';
import { domainDepsOf } from '../services/domains/deps';
import { pollCustomDomain, RateLimitedByCloudflare } from '../services/domains/domains';
import { RetryLater, type JobContext } from './context';

/**
 * The domains queue's consumer: one verification poll per message (services/domains/domains.ts). A malformed body,
 * or a message for a deployment that has since turned custom domains off, is dropped (logged); Cloudflare's 429
 * retries the same poll after its Retry-After.
 */
export async function consumeDomainsMessage(body: unknown, ctx: JobContext): Promise<void> {
  const parsed = DomainsQueueMessage.safeParse(body);
  if (!parsed.success) {
    ctx.logger.error('malformed domains-queue message dropped', { body });
    return;
  }
  if (!ctx.config.ENABLE_CUSTOM_DOMAINS) {
    ctx.logger.warn('custom domains are disabled; poll dropped', { domainId: parsed.data.domainId });
    return;
  }
  try {
    const outcome = await pollCustomDomain(domainDepsOf(ctx.env, ctx.config, ctx.logger), parsed.data);
    ctx.logger.info('custom domain poll', {
      domainId: parsed.data.domainId,
      poll: parsed.data.poll,
      ...outcome,
    });
  } catch (error) {
    if (error instanceof RateLimitedByCloudflare)
      throw new RetryLater(
        error.delaySeconds || CUSTOM_DOMAIN_VERIFICATION.rateLimitedRetrySeconds,
        error.message,
      );
    throw error;
  }
}
