import { DurableObject } from 'cloudflare:workers';

/**
 * One instance per resumable (tus) upload: it holds the upload's state and serialises its PATCHes, since a
 * Durable Object handles one request at a time per `blockConcurrencyWhile`. The tus endpoint drives it.
 */
export class UploadSession extends DurableObject {
  async getState<T>(): Promise<T | null> {
    return (await this.ctx.storage.get<T>('state')) ?? null;
  }

  async putState<T>(state: T): Promise<void> {
    await this.ctx.storage.put('state', state);
  }

  /** Runs `work` while no other call on this upload can interleave. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.ctx.blockConcurrencyWhile(work);
  }

  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
