import type { UploadOptions } from 'tus-js-client';

// tus-js-client's Node build exports FileUrlStorage (resumable uploads remembered in a JSON file), but its
// published types leave it out.
declare module 'tus-js-client' {
  export class FileUrlStorage implements NonNullable<UploadOptions['urlStorage']> {
    constructor(filePath: string);
    findAllUploads: NonNullable<UploadOptions['urlStorage']>['findAllUploads'];
    findUploadsByFingerprint: NonNullable<UploadOptions['urlStorage']>['findUploadsByFingerprint'];
    removeUpload: NonNullable<UploadOptions['urlStorage']>['removeUpload'];
    addUpload: NonNullable<UploadOptions['urlStorage']>['addUpload'];
  }
}
