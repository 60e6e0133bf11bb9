import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { domainDepsOf, requireCustomDomains } from '../../services/domains/deps';
import {
  addCustomDomain,
  getCustomDomain,
  recheckCustomDomain,
  removeCustomDomain,
} from '../../services/domains/domains';
import type {
  createCustomDomainRoute,
  deleteCustomDomainRoute,
  getCustomDomainRoute,
  recheckCustomDomainRoute,
} from './custom-domain.routes';

const depsOf = (c: Context<AppEnv>) => domainDepsOf(c.env, c.get('config'), c.get('logger'));

export const createCustomDomainHandler: RouteHandler<typeof createCustomDomainRoute, AppEnv> = async (c) => {
  const deps = depsOf(c);
  const ownerId = principalOf(c).userId;
  const { domain, created } = await addCustomDomain(deps, ownerId, c.req.valid('json').hostname);
  c.set('audit', {
    action: created ? 'custom_domain.create' : 'custom_domain.create_unchanged',
    resourceType: 'custom_domain',
    resourceId: domain.hostname,
  });
  return created ? c.json(domain, 201) : c.json(domain, 200);
};

export const getCustomDomainHandler: RouteHandler<typeof getCustomDomainRoute, AppEnv> = async (c) => {
  requireCustomDomains(c.get('config'));
  return c.json(await getCustomDomain(c.get('db'), principalOf(c).userId), 200);
};

export const deleteCustomDomainHandler: RouteHandler<typeof deleteCustomDomainRoute, AppEnv> = async (c) => {
  const domain = await removeCustomDomain(depsOf(c), principalOf(c).userId);
  c.set('audit', {
    action: 'custom_domain.delete',
    resourceType: 'custom_domain',
    resourceId: domain.hostname,
  });
  return c.json(domain, 200);
};

export const recheckCustomDomainHandler: RouteHandler<typeof recheckCustomDomainRoute, AppEnv> = async (
  c,
) => {
  const domain = await recheckCustomDomain(depsOf(c), principalOf(c).userId);
  c.set('audit', {
    action: 'custom_domain.recheck',
    resourceType: 'custom_domain',
    resourceId: domain.hostname,
  });
  return c.json(domain, 202);
};
