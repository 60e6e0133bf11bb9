import { createRouter } from '../../lib/create-router';
import {
  createExportHandler,
  downloadExportHandler,
  getExportHandler,
  listExportsHandler,
} from './exports.handlers';
import { createExportRoute, downloadExportRoute, getExportRoute, listExportsRoute } from './exports.routes';

export const exportsRouter = createRouter()
  .openapi(createExportRoute, createExportHandler)
  .openapi(listExportsRoute, listExportsHandler)
  .openapi(getExportRoute, getExportHandler)
  .openapi(downloadExportRoute, downloadExportHandler);
