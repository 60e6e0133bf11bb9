import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';
import { toBase64Url } from '../src/lib/crypto';

/**
 * A stand-in for a platform authenticator, for the ceremony tests in workerd: a real P-256 key pair (WebCrypto),
 * real authenticator data, client data and ES256 signatures, exactly as WebAuthn lays them out ("none"
 * attestation). The Chromium end-to-end test uses the browser's own virtual authenticator instead.
 */
export interface SoftCredential {
  id: string;
  keys: CryptoKeyPair;
  userHandle: string;
  counter: number;
}

const encoder = new TextEncoder();
const sha256 = async (data: Uint8Array) => new Uint8Array(await crypto.subtle.digest('SHA-256', data));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};
const u32 = (value: number) => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return bytes;
};

/** WebCrypto's raw r||s as the DER sequence WebAuthn carries. */
function derSignature(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    let value = bytes.slice(start);
    if ((value[0] ?? 0) & 0x80) value = concat(new Uint8Array([0]), value);
    return concat(new Uint8Array([0x02, value.length]), value);
  };
  const body = concat(integer(raw.slice(0, 32)), integer(raw.slice(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

const FLAGS = { up: 0x01, uv: 0x04, at: 0x40 };

interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}
interface RequestOptions {
  challenge: string;
  rpId?: string;
}

export async function createCredential(options: CreationOptions, origin: string) {
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey('jwk', keys.publicKey)) as JsonWebKey;
  const cose = new Map<number, number | Uint8Array>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, isoBase64URL.toBuffer(jwk.x ?? '')],
    [-3, isoBase64URL.toBuffer(jwk.y ?? '')],
  ]);
  const credentialId = crypto.getRandomValues(new Uint8Array(16));
  const idLength = new Uint8Array([0, credentialId.length]);
  const authData = concat(
    await sha256(encoder.encode(options.rp.id ?? '')),
    new Uint8Array([FLAGS.up | FLAGS.uv | FLAGS.at]),
    u32(0),
    new Uint8Array(16),
    idLength,
    credentialId,
    isoCBOR.encode(cose),
  );
  const attestationObject = isoCBOR.encode(
    new Map<string, unknown>([
      ['fmt', 'none'],
      ['attStmt', new Map()],
      ['authData', authData],
    ]) as never,
  );
  const clientDataJSON = encoder.encode(
    JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false }),
  );
  const id = toBase64Url(credentialId);
  const credential: SoftCredential = { id, keys, userHandle: options.user.id, counter: 0 };
  const response = {
    id,
    rawId: id,
    type: 'public-key',
    clientExtensionResults: {},
    response: {
      clientDataJSON: toBase64Url(clientDataJSON),
      attestationObject: toBase64Url(attestationObject),
      transports: ['internal'],
    },
  };
  return { credential, response };
}

/** An assertion; each one moves the counter forward, as authenticators do, unless `counter` says otherwise. */
export async function getAssertion(
  credential: SoftCredential,
  options: RequestOptions,
  origin: string,
  overrides: { counter?: number; userHandle?: string } = {},
) {
  const counter = overrides.counter ?? credential.counter + 1;
  credential.counter = counter;
  const authData = concat(
    await sha256(encoder.encode(options.rpId ?? '')),
    new Uint8Array([FLAGS.up | FLAGS.uv]),
    u32(counter),
  );
  const clientDataJSON = encoder.encode(
    JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin, crossOrigin: false }),
  );
  const signed = concat(authData, await sha256(clientDataJSON));
  const raw = new Uint8Array(
    await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, credential.keys.privateKey, signed),
  );
  return {
    id: credential.id,
    rawId: credential.id,
    type: 'public-key',
    clientExtensionResults: {},
    response: {
      clientDataJSON: toBase64Url(clientDataJSON),
      authenticatorData: toBase64Url(authData),
      signature: toBase64Url(derSignature(raw)),
      userHandle: overrides.userHandle ?? credential.userHandle,
    },
  };
}
