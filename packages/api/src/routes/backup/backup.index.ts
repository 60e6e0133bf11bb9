import { createRouter } from '../../lib/create-router';
import {
  deleteBackupConfigHandler,
  getBackupConfigHandler,
  backUpImageHandler,
  getBackupStatusHandler,
  getImageBackupHandler,
  importBackupHandler,
  putBackupConfigHandler,
  restoreBackupHandler,
  syncBackupHandler,
  testBackupConfigHandler,
} from './backup.handlers';
import {
  deleteBackupConfigRoute,
  getBackupConfigRoute,
  backUpImageRoute,
  getBackupStatusRoute,
  getImageBackupRoute,
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
  .openapi(importBackupRoute, importBackupHandler)
  .openapi(getImageBackupRoute, getImageBackupHandler)
  .openapi(backUpImageRoute, backUpImageHandler);
