import { CUSTOM_DOMAIN_STATUSES, CUSTOM_DOMAIN_VERIFICATION, HOTLINK_LIMITS } from '@pixelflare/config';
import { z } from 'zod';
import { IsoDateTime } from './common';

/** Characters that make an input more than a host name: a scheme, port, path, query, user info or space. */
const NOT_A_HOST = /[/:@?#\\\s[\]]/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

export type HostnameProblem = 'syntax' | 'ip' | 'single-label' | 'reserved';

/**
 * A host name as Cloudflare and browsers compare it: lower-cased, IDNA-normalised to its ASCII (punycode) form
 * by the WHATWG URL parser, trailing dot dropped. `ok: false` says why it is not a name a person can point at us:
 * not a host name at all, an IP address (the URL parser also turns `0x7f.1` and `2130706433` into one), one label,
 * or a name under a reserved suffix.
 */
export function normalizeHostname(
  input: string,
): { ok: true; hostname: string } | { ok: false; problem: HostnameProblem } {
  const trimmed = input.trim();
  if (trimmed === '' || trimmed.length > 253 || NOT_A_HOST.test(trimmed))
    return { ok: false, problem: 'syntax' };
  let hostname: string;
  try {
    hostname = new URL(`http://${trimmed}/`).hostname;
  } catch {
    return { ok: false, problem: 'syntax' };
  }
  hostname = hostname.replace(/\.$/, '');
  if (IPV4.test(hostname)) return { ok: false, problem: 'ip' };
  const labels = hostname.split('.');
  if (hostname.length > 253 || !labels.every((label) => LABEL.test(label)))
    return { ok: false, problem: 'syntax' };
  if (labels.length < 2) return { ok: false, problem: 'single-label' };
  if (/^\d+$/.test(labels.at(-1)!)) return { ok: false, problem: 'ip' };
  if (RESERVED_SUFFIXES.some((suffix) => hostname === suffix || hostname.endsWith(`.${suffix}`)))
    return { ok: false, problem: 'reserved' };
  return { ok: true, hostname };
}

/**
 * Names nobody can serve a certificate for through Cloudflare for SaaS: special-use names (RFC 6761, RFC 6762)
 * and Cloudflare's own shared suffixes.
 */
const RESERVED_SUFFIXES = [
  'localhost',
  'local',
  'test',
  'invalid',
  'example',
  'internal',
  'home.arpa',
  'workers.dev',
  'pages.dev',
] as const;

export const CustomDomainStatusSchema = z.enum(CUSTOM_DOMAIN_STATUSES).meta({
  id: 'CustomDomainStatus',
  description:
    '`pending`: waiting for your DNS records and the certificate; `active`: serving; `blocked`: Cloudflare refuses ' +
    'the name; `error`: validation failed (see `reason`); `timed_out`: still pending after ' +
    `${CUSTOM_DOMAIN_VERIFICATION.maxPolls} checks (recheck to try again)`,
});

export const DnsRecordSchema = z
  .object({
    type: z.enum(['CNAME', 'TXT']),
    name: z.string(),
    value: z.string(),
    purpose: z.enum(['routing', 'ownership', 'certificate']).meta({
      description:
        '`routing`: points the name at us; `ownership`: proves the name is yours; `certificate`: lets the CA issue its certificate',
    }),
  })
  .meta({ id: 'DnsRecord' });
export type DnsRecord = z.infer<typeof DnsRecordSchema>;

export const CustomDomainSchema = z
  .object({
    hostname: z.string().meta({ example: 'img.alice.example' }),
    status: CustomDomainStatusSchema,
    reason: z
      .string()
      .nullable()
      .meta({ description: "Cloudflare's reason when blocked, failed or timed out; null otherwise" }),
    dns_records: z.array(DnsRecordSchema).meta({
      description: 'The records to create at your DNS provider, exactly as Cloudflare returned them',
    }),
    cloudflare_status: z
      .string()
      .nullable()
      .meta({ description: "Cloudflare's hostname status, as it says it" }),
    ssl_status: z.string().nullable().meta({ description: "Cloudflare's certificate status, as it says it" }),
    checks: z
      .number()
      .int()
      .meta({
        description: `Verification polls so far (at most ${CUSTOM_DOMAIN_VERIFICATION.maxPolls}, one every ${CUSTOM_DOMAIN_VERIFICATION.pollIntervalSeconds} s)`,
      }),
    verified_at: IsoDateTime.nullable(),
    created_at: IsoDateTime,
    updated_at: IsoDateTime,
  })
  .meta({ id: 'CustomDomain' });
export type CustomDomain = z.infer<typeof CustomDomainSchema>;

export const CreateCustomDomainSchema = z
  .object({
    hostname: z
      .string()
      .min(1)
      .max(253)
      .meta({ description: 'A host name you control, e.g. img.alice.example (Unicode names are accepted)' }),
  })
  .meta({ id: 'CreateCustomDomain' });

/** A referrer host in an allowlist: a host name, or `*.` and a host name for it and every subdomain. */
const ReferrerHost = z
  .string()
  .min(1)
  .max(255)
  .transform((value, ctx) => {
    const wildcard = value.trim().startsWith('*.');
    const normalized = normalizeHostname(wildcard ? value.trim().slice(2) : value);
    // localhost and IPs are legitimate referrers (a developer's page), so only syntax is refused here.
    if (!normalized.ok && normalized.problem === 'syntax') {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a host name (no scheme, port or path)` });
      return z.NEVER;
    }
    const host = normalized.ok ? normalized.hostname : value.trim().toLowerCase();
    return wildcard ? `*.${host}` : host;
  });

export const HotlinkSettingsSchema = z
  .object({
    enabled: z.boolean().meta({ description: 'When false, any site may embed your images' }),
    allowed_referrers: z.array(z.string()).meta({
      description:
        'Hosts allowed to embed your images; `*.example.com` allows example.com and its subdomains',
    }),
    allow_empty_referrer: z.boolean().meta({
      description:
        'Allow requests without a Referer (direct visits, apps, privacy-minded browsers); refused when false',
    }),
    updated_at: IsoDateTime.nullable(),
  })
  .meta({ id: 'HotlinkSettings' });
export type HotlinkSettings = z.infer<typeof HotlinkSettingsSchema>;

export const UpdateHotlinkSettingsSchema = z
  .object({
    enabled: z.boolean(),
    allowed_referrers: z.array(ReferrerHost).max(HOTLINK_LIMITS.maxReferrers),
    allow_empty_referrer: z.boolean(),
  })
  .meta({ id: 'UpdateHotlinkSettings' });
