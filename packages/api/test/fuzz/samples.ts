/** Valid samples the image fuzzers mutate: every test fixture that is a real image, and a minimal AVIF. */
import { SPIN_WEBP } from '../fixtures/animated/spin-webp.generated';
import { fixture } from '../fixtures/fixtures.generated';

const box = (type: string, ...body: Uint8Array[]): Uint8Array => {
  const length = 8 + body.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(length);
  new DataView(out.buffer).setUint32(0, length);
  out.set(
    [...type].map((c) => c.charCodeAt(0)),
    4,
  );
  let offset = 8;
  for (const part of body) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};
const u32 = (...values: number[]) => {
  const out = new Uint8Array(values.length * 4);
  values.forEach((value, i) => new DataView(out.buffer).setUint32(i * 4, value));
  return out;
};
const text = (value: string) => new TextEncoder().encode(value);

/** ftyp, meta > iprp > ipco > ispe (40×30), mdat: what the AVIF walker needs, nothing more. */
export function minimalAvif(nesting = 0): Uint8Array {
  let ipco = box('ipco', box('ispe', u32(0, 40, 30)));
  // Deep nesting: ipco boxes inside ipco boxes (the walker stops descending at a fixed depth).
  for (let i = 0; i < nesting; i++) ipco = box('ipco', ipco);
  return Uint8Array.from([
    ...box('ftyp', text('avif'), u32(0), text('avifmif1')),
    ...box('meta', u32(0), box('iprp', ipco)),
    ...box('mdat', new Uint8Array(16)),
  ]);
}

export const IMAGE_SAMPLES: { name: string; bytes: Uint8Array }[] = [
  ...(
    [
      'photo-gps.jpg',
      'stripe.jpg',
      'tiny.png',
      'tiny.gif',
      'tiny.webp',
      'clean.svg',
      'bomb-30000.png',
    ] as const
  ).map((name) => ({ name, bytes: fixture(name) })),
  { name: 'spin.webp', bytes: Uint8Array.from(atob(SPIN_WEBP), (c) => c.charCodeAt(0)) },
  { name: 'minimal.avif', bytes: minimalAvif() },
  { name: 'nested.avif', bytes: minimalAvif(12) },
];
