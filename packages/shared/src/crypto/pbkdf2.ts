/**
 * PBKDF2-HMAC-SHA256 in plain JavaScript, for runtimes whose WebCrypto refuses the iteration count: Cloudflare
 * Workers cap PBKDF2 at 100,000 iterations (workerd#1346) and a key bundle needs at least 600,000. The HMAC pads
 * are hashed once, so an iteration costs two SHA-256 compressions (about a second for 600,000 on one core).
 * Checked against WebCrypto in crypto/pbkdf2.test.ts.
 */
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** One SHA-256 compression of the 16 words in `w` (0..15 filled; 16..63 scratch) into `state`. */
function compress(state: Uint32Array, w: Uint32Array): void {
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15]!;
    const b = w[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = state[0]!,
    b = state[1]!,
    c = state[2]!,
    d = state[3]!;
  let e = state[4]!,
    f = state[5]!,
    g = state[6]!,
    h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** The SHA-256 state after one block of `key` (≤ 64 bytes) XOR `pad`. */
function padState(key: Uint8Array, pad: number): Uint32Array {
  const block = new Uint8Array(64).fill(pad);
  for (let i = 0; i < key.length; i++) block[i] = key[i]! ^ pad;
  const w = new Uint32Array(64);
  const view = new DataView(block.buffer);
  for (let i = 0; i < 16; i++) w[i] = view.getUint32(i * 4);
  const state = Uint32Array.from(IV);
  compress(state, w);
  return state;
}

/** Finishes HMAC's hash of a 32-byte message (8 words in `w`) from a pad state, into `out`. */
function finish32(from: Uint32Array, w: Uint32Array, out: Uint32Array): void {
  out.set(from);
  w[8] = 0x80000000;
  for (let i = 9; i < 15; i++) w[i] = 0;
  w[15] = (64 + 32) * 8;
  compress(out, w);
}

export async function pbkdf2Sha256(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
): Promise<Uint8Array> {
  const key = password.length > 64 ? await sha256(password) : password;
  const inner = padState(key, 0x36);
  const outer = padState(key, 0x5c);
  const hmacKey = await crypto.subtle.importKey(
    'raw',
    key as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const out = new Uint8Array(length);
  const w = new Uint32Array(64);
  const state = new Uint32Array(8);
  for (let block = 1, offset = 0; offset < length; block++, offset += 32) {
    const first = new Uint8Array(salt.length + 4);
    first.set(salt);
    new DataView(first.buffer).setUint32(salt.length, block);
    const u1 = new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, first as Uint8Array<ArrayBuffer>));
    const view = new DataView(u1.buffer);
    const u = new Uint32Array(8);
    for (let i = 0; i < 8; i++) u[i] = view.getUint32(i * 4);
    const t = Uint32Array.from(u);
    for (let i = 1; i < iterations; i++) {
      w.set(u);
      finish32(inner, w, state);
      w.set(state);
      finish32(outer, w, u);
      for (let j = 0; j < 8; j++) t[j]! ^= u[j]!;
    }
    const bytes = new Uint8Array(32);
    const tv = new DataView(bytes.buffer);
    for (let i = 0; i < 8; i++) tv.setUint32(i * 4, t[i]!);
    out.set(bytes.subarray(0, Math.min(32, length - offset)), offset);
  }
  return out;
}
