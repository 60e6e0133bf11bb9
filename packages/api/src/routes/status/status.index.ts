import { createRouter } from '../../lib/create-router';
import { getStatusHandler } from './status.handlers';
import { getStatus } from './status.routes';

export const statusRouter = createRouter().openapi(getStatus, getStatusHandler);
