import { createRouter } from '../../lib/create-router';
import {
  deleteBackupConfigHandler,
  getBackupConfigHandler,
  getBackupStatusHandler,
  importBackupHandler,
  putBackupConfigHandler,
  restoreBackupHandler,
  syncBackupHandler,
  testBackupConfigHandler,
} from './backup.handlers';
import {
  deleteBackupConfigRoute,
  getBackupConfigRoute,
  getBackupStatusRoute,
  importBackupRoute,
  putBackupConfigRoute,
  restoreBackupRoute,
  syncBackupRoute,
  testBackupConfigRoute,
} from './backup.routes';

export const backupRouter = createRouter()
  .openapi(getBackupConfigRoute, getBackupConfigHandler)
  .openapi(putBackupConfigRoute, putBackupConfigHandler)
  .openapi(deleteBackupConfigRoute, deleteBackupConfigHandler)
  .openapi(testBackupConfigRoute, testBackupConfigHandler)
  .openapi(getBackupStatusRoute, getBackupStatusHandler)
  .openapi(syncBackupRoute, syncBackupHandler)
  .openapi(restoreBackupRoute, restoreBackupHandler)
  .openapi(importBackupRoute, importBackupHandler);
