import type { UploadMetadata } from '@pixelflare/shared';
import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../lib/env';

/** R2 multipart parts must all be the same size except the last; 5 MiB is R2's minimum. */
export const TUS_PART_SIZE = 5 * 1024 * 1024;

/** One resumable upload's state, kept in its Durable Object's storage. */
export interface TusUploadState {
  id: string;
  ownerId: string;
  length: number;
  offset: number;
  metadata: UploadMetadata;
  /**
   * R2 key the parts are assembled at: the image's final original key, guessed from the declared name, so a
   * file that ingest leaves unchanged is not written twice. Ingest still decides the type from the bytes.
   */
  stagingKey: string;
  /** The image id reserved for this upload. */
  imageId: string;
  multipartUploadId: string;
  parts: R2UploadedPart[];
  /** Bytes received after the last full part, parked in R2 at `${stagingKey}.tail` until more arrive. */
  tailBytes: number;
  expiresAt: number;
  /** Set once every byte has arrived and the multipart upload was completed at `stagingKey`. */
  assembled: boolean;
  /** Set once ingest stored the image. */
  finished: boolean;
}

export type TusCreate = Pick<
  TusUploadState,
  'id' | 'ownerId' | 'length' | 'metadata' | 'expiresAt' | 'stagingKey' | 'imageId'
>;

export type TusAppendResult =
  | { kind: 'ok'; state: TusUploadState }
  | { kind: 'offset_mismatch'; offset: number }
  | { kind: 'not_found' }
  /** R2 refused a write: `offset` is what it holds, where the client resumes. */
  | { kind: 'storage_unavailable'; offset: number };

/**
 * One instance per resumable (tus) upload: it holds the upload's state and serialises its PATCHes with an
 * in-memory lock (a promise chain; no 30 s limit as with blockConcurrencyWhile), so two PATCHes never
 * interleave. Bytes stream straight into R2 multipart parts; memory stays at about one part. An alarm
 * aborts the upload when it expires.
 */
export class UploadSession extends DurableObject<Bindings> {
  private queue: Promise<unknown> = Promise.resolve();

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async load(ownerId: string): Promise<TusUploadState | null> {
    const state = (await this.ctx.storage.get<TusUploadState>('state')) ?? null;
    if (!state || state.ownerId !== ownerId) return null;
    if (state.expiresAt < Date.now() && !state.assembled) return null;
    return state;
  }

  /** Opens the upload; null when R2 refuses to start the multipart upload (nothing is kept then). */
  async create(init: TusCreate): Promise<TusUploadState | null> {
    return this.serialised(async () => {
      const multipart = await this.env.IMAGES_BUCKET.createMultipartUpload(init.stagingKey).catch(() => null);
      if (!multipart) return null;
      const state: TusUploadState = {
        ...init,
        offset: 0,
        finished: false,
        multipartUploadId: multipart.uploadId,
        parts: [],
        tailBytes: 0,
        assembled: false,
      };
      await this.ctx.storage.put('state', state);
      await this.ctx.storage.setAlarm(init.expiresAt);
      return state;
    });
  }

  /** Waits for any PATCH in progress, so the offset reported is where the next one must start. */
  async status(ownerId: string): Promise<TusUploadState | null> {
    return this.serialised(() => this.load(ownerId));
  }

  /**
   * Appends a PATCH body at `offset`. Full parts go to R2 as they fill; on a broken connection the bytes
   * received so far are kept (as the tail) so the client resumes from the offset HEAD reports. When R2 refuses
   * a write (a part, the tail, the completion) the upload goes back to what R2 is known to hold: the last part
   * stored, or the state before this PATCH. Nothing is completed, the multipart upload stays open for the client
   * to resume (termination or expiry aborts it), and the answer says how far it got.
   */
  async append(
    ownerId: string,
    offset: number,
    body: ReadableStream<Uint8Array>,
    expiresAt: number,
  ): Promise<TusAppendResult> {
    return this.serialised(async (): Promise<TusAppendResult> => {
      const state = await this.load(ownerId);
      if (!state) {
        await body.cancel();
        return { kind: 'not_found' };
      }
      if (state.offset !== offset || state.assembled) {
        await body.cancel();
        return { kind: 'offset_mismatch', offset: state.offset };
      }
      const bucket = this.env.IMAGES_BUCKET;
      const multipart = bucket.resumeMultipartUpload(state.stagingKey, state.multipartUploadId);
      const tailKey = `${state.stagingKey}.tail`;
      const tailBefore = state.tailBytes;
      /** What R2 holds for certain: moved on after each part stored, restored when R2 refuses a write. */
      let stored = { offset: state.offset, parts: [...state.parts], tailBytes: state.tailBytes };
      const buffer = new Uint8Array(TUS_PART_SIZE);
      let filled = 0;
      const flushPart = async (bytes: Uint8Array) => {
        const part = await multipart.uploadPart(state.parts.length + 1, bytes);
        state.parts.push(part);
      };
      const reader = body.getReader();
      // The client going away mid-PATCH ends the body: what arrived is kept.
      const next = () =>
        reader.read().catch((): ReadableStreamReadResult<Uint8Array> => ({ done: true, value: undefined }));
      let received = 0;
      try {
        if (state.tailBytes > 0) {
          const tail = await bucket.get(tailKey);
          if (!tail || tail.size !== state.tailBytes) {
            // The parked bytes are gone: only the parts count; the client resends from there.
            stored = { offset: state.parts.length * TUS_PART_SIZE, parts: [...state.parts], tailBytes: 0 };
            throw new Error(`the parked tail of upload ${state.id} is missing`);
          }
          buffer.set(new Uint8Array(await tail.arrayBuffer()));
          filled = state.tailBytes;
        }
        while (state.offset + received < state.length) {
          const { done, value } = await next();
          if (done) break;
          let chunk = value;
          // Never accept more than Upload-Length.
          const room = state.length - state.offset - received;
          if (chunk.length > room) chunk = chunk.subarray(0, room);
          while (chunk.length > 0) {
            const take = Math.min(chunk.length, TUS_PART_SIZE - filled);
            buffer.set(chunk.subarray(0, take), filled);
            filled += take;
            received += take;
            chunk = chunk.subarray(take);
            if (filled === TUS_PART_SIZE) {
              await flushPart(buffer.slice());
              filled = 0;
              stored = { offset: state.parts.length * TUS_PART_SIZE, parts: [...state.parts], tailBytes: 0 };
            }
          }
        }
        state.offset += received;
        if (state.offset === state.length) {
          if (filled > 0 || state.parts.length === 0) await flushPart(buffer.slice(0, filled));
          await multipart.complete(state.parts);
          state.tailBytes = 0;
          state.assembled = true;
          // A tail left by a failed delete is swept by the reconciliation (older than the resumable expiry).
          await bucket.delete(tailKey).catch(() => undefined);
        } else {
          if (filled > 0) await bucket.put(tailKey, buffer.subarray(0, filled));
          else if (state.tailBytes > 0) await bucket.delete(tailKey).catch(() => undefined);
          state.tailBytes = filled;
          state.expiresAt = expiresAt;
          await this.ctx.storage.setAlarm(expiresAt);
        }
      } catch {
        await reader.cancel().catch(() => undefined);
        Object.assign(state, stored, { assembled: false });
        // The tail's bytes are in a stored part now: an old tail is only clutter (never read again).
        if (tailBefore > 0 && stored.tailBytes === 0) await bucket.delete(tailKey).catch(() => undefined);
        await this.ctx.storage.put('state', state);
        return { kind: 'storage_unavailable', offset: state.offset };
      } finally {
        reader.releaseLock();
      }
      await this.ctx.storage.put('state', state);
      return { kind: 'ok', state };
    });
  }

  /**
   * Records the outcome of ingest. The assembled object is removed unless it became the image's original
   * (`keepObject`): refused, duplicate or re-encoded uploads leave nothing behind.
   */
  async finish(ownerId: string, imageId: string | null, keepObject: boolean): Promise<void> {
    return this.serialised(async () => {
      const state = await this.load(ownerId);
      if (!state) return;
      if (!keepObject) await this.env.IMAGES_BUCKET.delete(state.stagingKey);
      if (imageId) {
        await this.ctx.storage.put('state', { ...state, imageId, finished: true });
        // Kept a little longer so a client's HEAD after completion still answers.
        await this.ctx.storage.setAlarm(Date.now() + 60 * 60 * 1000);
      } else {
        await this.ctx.storage.deleteAll();
      }
    });
  }

  /** Termination and expiry: abort the multipart upload, delete parked bytes and forget the upload. */
  async terminate(ownerId?: string): Promise<boolean> {
    return this.serialised(async () => {
      const state = (await this.ctx.storage.get<TusUploadState>('state')) ?? null;
      if (!state || (ownerId !== undefined && state.ownerId !== ownerId)) return false;
      const bucket = this.env.IMAGES_BUCKET;
      if (!state.assembled) {
        await bucket
          .resumeMultipartUpload(state.stagingKey, state.multipartUploadId)
          .abort()
          .catch(() => undefined);
      }
      // Once finished the object at the staging key is the image's original: never delete it here.
      await bucket.delete(
        state.finished ? [`${state.stagingKey}.tail`] : [`${state.stagingKey}.tail`, state.stagingKey],
      );
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      return true;
    });
  }

  override async alarm(): Promise<void> {
    await this.terminate();
  }
}
