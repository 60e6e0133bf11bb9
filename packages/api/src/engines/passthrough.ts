import { readImageHeader } from './image-size';
import type { ImageEngine } from './types';

/** Serves the original unchanged: for deployments that want no transforms at all. */
export const passthroughEngine: ImageEngine = {
  name: 'passthrough',
  async transform(job) {
    const header = readImageHeader(job.source);
    return {
      bytes: job.source,
      contentType: job.sourceType,
      width: header?.width ?? job.sourceSize.width,
      height: header?.height ?? job.sourceSize.height,
      engine: 'passthrough',
    };
  },
};
