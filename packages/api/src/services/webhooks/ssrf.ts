import { badRequest } from '../../lib/errors';

/**
 * Refuses webhook targets on private, loopback, link-local and other non-public addresses. The WHATWG URL
 * parser already normalises decimal (`2130706433`), octal (`0177.0.0.1`) and hex (`0x7f.1`) IPv4 forms and
 * IPv6 spellings, so the checks below see canonical addresses. Names that are not IP literals are refused here
 * only when they are well-known local names; each delivery also resolves them (`resolvedNonPublicReason`).
 */
export function assertPublicWebhookTarget(rawUrl: string, allowPrivate: boolean): void {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw badRequest('The webhook URL is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw badRequest('The webhook URL must use http or https');
  }
  if (url.username || url.password) {
    throw badRequest('The webhook URL must not contain credentials');
  }
  if (allowPrivate) return;
  const reason = nonPublicReason(url.hostname);
  if (reason) {
    throw badRequest(
      `The webhook URL points to a ${reason} address (${url.hostname}); only public addresses are allowed`,
    );
  }
}

/** Why a hostname is not a public target, or undefined when it is (or is a DNS name we cannot check). */
export function nonPublicReason(hostname: string): string | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  if (host.endsWith('.local') || host.endsWith('.internal') || host.endsWith('.home.arpa')) {
    return 'private';
  }
  if (host.startsWith('[') && host.endsWith(']')) return ipv6Reason(host.slice(1, -1));
  const v4 = parseIpv4(host);
  return v4 ? ipv4Reason(v4) : undefined;
}

function parseIpv4(host: string): number[] | undefined {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

function ipv4Reason([a = 0, b = 0, c = 0]: number[]): string | undefined {
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private (carrier-grade NAT)';
  if (a === 0) return 'unspecified';
  if (a === 192 && b === 0 && c === 0) return 'reserved';
  if (a === 198 && (b === 18 || b === 19)) return 'reserved';
  if (a >= 224) return 'multicast or reserved';
  return undefined;
}

/** Expands an IPv6 literal (as the URL parser prints it) into eight 16-bit groups. */
function ipv6Groups(address: string): number[] | undefined {
  const [head = '', tail] = address.split('::');
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}

function ipv6Reason(address: string): string | undefined {
  // A dotted tail (::ffff:1.2.3.4) is rewritten to hex by the URL parser; accept it here anyway.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  let normalised = address;
  if (dotted) {
    const v4 = parseIpv4(dotted[2] ?? '');
    if (!v4) return 'invalid';
    normalised = `${dotted[1]}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const g = ipv6Groups(normalised);
  if (!g) return 'invalid';
  const embeddedV4 = [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff];
  const firstFiveZero = g.slice(0, 5).every((x) => x === 0);
  if (g.every((x) => x === 0)) return 'unspecified';
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address.
  if (firstFiveZero && (g[5] === 0xffff || g[5] === 0)) return ipv4Reason(embeddedV4);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    return ipv4Reason(embeddedV4);
  }
  if ((g[0]! & 0xfe00) === 0xfc00) return 'private (unique local)';
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local';
  if ((g[0]! & 0xff00) === 0xff00) return 'multicast';
  return undefined;
}

/** The addresses (A and AAAA) a host name resolves to. */
export type HostResolver = (hostname: string) => Promise<string[]>;

/** Cloudflare's public DNS-over-HTTPS resolver, JSON form (`application/dns-json`). */
export const DOH_RESOLVER_URL = 'https://cloudflare-dns.com/dns-query';
const DOH_TIMEOUT_MS = 3_000;
const DNS_TYPE = { A: 1, AAAA: 28 } as const;
/** NOERROR and NXDOMAIN are answers; anything else (SERVFAIL, REFUSED...) means the name was not resolved. */
const DNS_ANSWERED = new Set([0, 3]);

interface DohAnswer {
  Status: number;
  Answer?: { type: number; data: string }[];
}

/**
 * Resolves through DNS over HTTPS (a Worker has no resolver of its own to ask). Both record types are asked;
 * CNAMEs in the answer are followed by the resolver, so only the final addresses are kept.
 */
export function dohResolver(endpoint = DOH_RESOLVER_URL, fetcher: typeof fetch = fetch): HostResolver {
  return async (hostname) => {
    const lookups = Object.entries(DNS_TYPE).map(async ([name, type]) => {
      const url = new URL(endpoint);
      url.searchParams.set('name', hostname);
      url.searchParams.set('type', name);
      const response = await fetcher(url, {
        headers: { Accept: 'application/dns-json' },
        signal: AbortSignal.timeout(DOH_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`the DNS resolver answered HTTP ${response.status}`);
      const body = (await response.json()) as DohAnswer;
      if (!DNS_ANSWERED.has(body.Status)) throw new Error(`the DNS resolver answered status ${body.Status}`);
      return (body.Answer ?? []).filter((answer) => answer.type === type).map((answer) => answer.data);
    });
    return (await Promise.all(lookups)).flat();
  };
}

const isIpLiteral = (hostname: string) =>
  (hostname.startsWith('[') && hostname.endsWith(']')) || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname);

/**
 * Why a target host is not public, resolving a name first: refused when any address it resolves to is not
 * public (one private answer among public ones is enough to be steered there), or when it resolves to none.
 * `undefined` when every address is public. A resolver failure throws: the attempt fails and is retried.
 */
export async function resolvedNonPublicReason(
  hostname: string,
  resolve: HostResolver,
): Promise<string | undefined> {
  const literal = nonPublicReason(hostname);
  if (literal) return `${literal} address`;
  if (isIpLiteral(hostname)) return undefined;
  const addresses = await resolve(hostname);
  if (addresses.length === 0) return `name that resolves to no address (${hostname})`;
  for (const address of addresses) {
    const reason = nonPublicReason(address.includes(':') ? `[${address}]` : address);
    if (reason) return `${reason} address (${hostname} resolves to ${address})`;
  }
  return undefined;
}
