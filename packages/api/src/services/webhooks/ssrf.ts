import { badRequest } from '../../lib/errors';

/**
 * Refuses webhook targets on private, loopback, link-local and other non-public addresses. The WHATWG URL
 * parser already normalises decimal (`2130706433`), octal (`0177.0.0.1`) and hex (`0x7f.1`) IPv4 forms and
 * IPv6 spellings, so the checks below see canonical addresses. Names that are not IP literals cannot be
 * resolved before `fetch` in a Worker; only the well-known local names are refused.
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
