import { INGEST_MEMORY_LIMIT_BYTES, MB } from '@pixelflare/config';
import { describe, expect, it } from 'vitest';
import { makeJpeg, makeOrientedJpeg } from '../../../test/fixtures/cdn/images';
import { largeJpeg } from '../../../test/fixtures/large-files';
import { b64, create, patch } from '../../../test/fixtures/tus-helpers';
import { putTwoStep, startTwoStep } from '../../../test/fixtures/two-step-helpers';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { authed, call, createUser, type TestUser } from '../../../test/helpers';
import { readImageHeader } from '../../engines/image-size';

interface Sized {
  id: string;
  width: number;
  height: number;
}

/** A camera's portrait shot: 600×400 pixels stored, EXIF orientation 6, seen upright as 400×600. */
const portrait = () => makeOrientedJpeg(6, 400, 600);

async function sizeOf(user: TestUser, id: string) {
  const response = await call(`/v1/images/${id}`, authed(user.key));
  expect(response.status).toBe(200);
  const { width, height } = (await response.json()) as Sized;
  return { width, height };
}

/** The size the API reports matches the size every rendition has: `w256` is 256 wide, upright. */
async function expectRenditionUpright(
  id: string,
  shortId: string,
  expected: { width: number; height: number },
) {
  const variant = await call(`/cdn/i/${shortId}/w256`);
  expect(variant.status, id).toBe(200);
  const header = readImageHeader(new Uint8Array(await variant.arrayBuffer()));
  expect({ width: header?.width, height: header?.height }).toEqual({
    width: 256,
    height: Math.round((256 * expected.height) / expected.width),
  });
}

describe('a rotated photo reports the size people see', () => {
  it('the fixture is what a camera writes: stored 600×400, orientation 6', () => {
    const bytes = portrait();
    // SOF0 frame size, read the way a decoder does, is the stored (sideways) one.
    const sof = bytes.findIndex((byte, i) => byte === 0xff && bytes[i + 1] === 0xc0);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect({ height: view.getUint16(sof + 5), width: view.getUint16(sof + 7) }).toEqual({
      width: 600,
      height: 400,
    });
  });

  it('one-shot: width 400, height 600, like the renditions', async () => {
    const user = await createUser('orient-one-shot');
    const response = await upload(user, uploadForm(portrait(), 'portrait.jpg'));
    expect(response.status).toBe(201);
    const body = (await response.json()) as Sized & { short_id: string };
    expect({ width: body.width, height: body.height }).toEqual({ width: 400, height: 600 });
    expect(await sizeOf(user, body.id)).toEqual({ width: 400, height: 600 });
    await expectRenditionUpright(body.id, body.short_id, { width: 400, height: 600 });
  });

  it('an upright JPEG keeps its size', async () => {
    const user = await createUser('orient-upright');
    const response = await upload(user, uploadForm(makeJpeg(600, 400), 'landscape.jpg'));
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ width: 600, height: 400 });
  });

  it('two-step: width 400, height 600', async () => {
    const user = await createUser('orient-two-step');
    const { id, path } = await startTwoStep(user, { filename: 'portrait.jpg' });
    const response = await putTwoStep(path, portrait());
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ id, width: 400, height: 600 });
    expect(await sizeOf(user, id)).toEqual({ width: 400, height: 600 });
  });

  it('two-step above the in-memory limit (the bounded path from R2): width 400, height 600', async () => {
    const user = await createUser('orient-two-step-large');
    const { id, path } = await startTwoStep(user, { filename: 'portrait.jpg' });
    const response = await putTwoStep(path, largeJpeg(INGEST_MEMORY_LIMIT_BYTES + MB, portrait()));
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ id, width: 400, height: 600 });
  });

  it('tus: width 400, height 600', async () => {
    const user = await createUser('orient-tus');
    const file = portrait();
    const path = await create(user, file.length, `filename ${b64('portrait.jpg')}`);
    const response = await patch(user, path, 0, file);
    expect(response.status).toBe(204);
    const id = response.headers.get('Pixelflare-Image-Id')!;
    expect(await sizeOf(user, id)).toEqual({ width: 400, height: 600 });
  });
});
