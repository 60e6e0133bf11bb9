import { createRouter } from '../../lib/create-router';
import {
  createCustomDomainHandler,
  deleteCustomDomainHandler,
  getCustomDomainHandler,
  recheckCustomDomainHandler,
} from './custom-domain.handlers';
import {
  createCustomDomainRoute,
  deleteCustomDomainRoute,
  getCustomDomainRoute,
  recheckCustomDomainRoute,
} from './custom-domain.routes';

export const customDomainRouter = createRouter()
  .openapi(createCustomDomainRoute, createCustomDomainHandler)
  .openapi(getCustomDomainRoute, getCustomDomainHandler)
  .openapi(deleteCustomDomainRoute, deleteCustomDomainHandler)
  .openapi(recheckCustomDomainRoute, recheckCustomDomainHandler);
