import {
  TRANSFORM_FITS,
  TRANSFORM_FLIPS,
  TRANSFORM_FORMATS,
  TRANSFORM_GRAVITIES,
  TRANSFORM_METADATA,
  TRANSFORM_METADATA_DEFAULT,
  TRANSFORM_ONERROR,
  TRANSFORM_RANGES,
  TRANSFORM_ROTATIONS,
  VARIANT_QUALITY,
  SIGNED_URL_TTL,
  WATERMARK_DEFAULT_POSITION,
  WATERMARK_POSITIONS,
  WATERMARK_RANGES,
} from '@pixelflare/config';
import { z } from 'zod';
import type { FieldIssue } from './errors';

const intIn = (range: { min: number; max: number }, what: string) =>
  z.coerce
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .min(range.min, `${what} must be at least ${range.min}`)
    .max(range.max, `${what} must be at most ${range.max}`);

const FOCAL_POINT = /^(0(?:\.\d+)?|1(?:\.0+)?)x(0(?:\.\d+)?|1(?:\.0+)?)$/;
const HEX_COLOUR = /^#?([0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const RGB_COLOUR = /^rgba?\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*(,\s*(0|1|0?\.\d+)\s*)?\)$/i;
const NAMED_COLOURS = ['transparent', 'white', 'black', 'red', 'green', 'blue', 'gray', 'grey'] as const;

export type FocalPoint = { x: number; y: number };

/**
 * A focal coordinate to 4 decimals (under half a pixel at the largest output): the key writes it back as a
 * plain decimal (`0.0000005` would print as `5e-7`, which does not parse), and 0.3 and 0.30000001 are one variant.
 */
const focalCoordinate = (text: string) => Math.round(Number(text) * 10_000) / 10_000;
export type TransformGravity = (typeof TRANSFORM_GRAVITIES)[number] | FocalPoint;

const Gravity = z.string().transform((value, ctx): TransformGravity => {
  if ((TRANSFORM_GRAVITIES as readonly string[]).includes(value))
    return value as (typeof TRANSFORM_GRAVITIES)[number];
  const focal = FOCAL_POINT.exec(value);
  if (focal) return { x: focalCoordinate(focal[1]!), y: focalCoordinate(focal[2]!) };
  ctx.addIssue({
    code: 'custom',
    message: `gravity must be one of ${TRANSFORM_GRAVITIES.join(', ')} or a focal point like 0.3x0.7`,
  });
  return z.NEVER;
});

const Background = z.string().transform((value, ctx) => {
  const lower = value.trim().toLowerCase();
  const hex = HEX_COLOUR.exec(lower);
  if (hex) return `#${hex[1]}`;
  if (RGB_COLOUR.test(lower) || (NAMED_COLOURS as readonly string[]).includes(lower))
    return lower.replaceAll(/\s+/g, '');
  ctx.addIssue({
    code: 'custom',
    message: 'bg must be a CSS colour: #rgb, #rrggbb, #rrggbbaa, rgb(), rgba() or a basic name',
  });
  return z.NEVER;
});

/** Pixels cut from each side of the (upright) original before the rest of the transform. */
export interface TransformTrim {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

const TRIM_FORM = /^(\d{1,6});(\d{1,6});(\d{1,6});(\d{1,6})$/;

/** `trim=top;right;bottom;left` in pixels, Cloudflare's URL form (`trim=20;30;20;0`). */
const Trim = z.string().transform((value, ctx): TransformTrim => {
  const match = TRIM_FORM.exec(value.trim());
  if (!match) {
    ctx.addIssue({
      code: 'custom',
      message: 'trim must be four pixel counts top;right;bottom;left, e.g. 20;30;20;0',
    });
    return z.NEVER;
  }
  const [top, right, bottom, left] = match.slice(1).map(Number) as [number, number, number, number];
  if ([top, right, bottom, left].some((side) => side > TRANSFORM_RANGES.trim.max)) {
    ctx.addIssue({ code: 'custom', message: `trim: each side must be at most ${TRANSFORM_RANGES.trim.max}` });
    return z.NEVER;
  }
  return { top, right, bottom, left };
});

export type TransformMetadata = (typeof TRANSFORM_METADATA)[number];
export type TransformOnError = (typeof TRANSFORM_ONERROR)[number];
// --- Watermarks (wm, wm_pos, wm_opacity, wm_scale) -----------------------------------------------------------

export const WATERMARK_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export type WatermarkPosition = (typeof WATERMARK_POSITIONS)[number];

/** A fraction to 2 decimals (0.5 and 0.50 are one variant), within `range`. */
const fractionIn = (range: { min: number; max: number }, what: string) =>
  z.coerce
    .number({ error: `${what} must be a number` })
    .min(range.min, `${what} must be at least ${range.min}`)
    .max(range.max, `${what} must be at most ${range.max}`)
    .transform((value) => Math.round(value * 100) / 100);

/** The watermark parameters of a transform query: `wm` names one of the owner's watermarks. */
const WatermarkQueryShape = {
  wm: z
    .string()
    .regex(WATERMARK_NAME, 'wm must name a watermark (a-z, 0-9, _ and -)')
    .optional()
    .meta({ description: 'One of the owner’s watermarks, drawn over the output' }),
  wm_pos: z
    .enum(WATERMARK_POSITIONS)
    .optional()
    .meta({
      description: `Where the watermark goes; tile repeats it. Default ${WATERMARK_DEFAULT_POSITION}`,
    }),
  wm_opacity: fractionIn(WATERMARK_RANGES.opacity, 'wm_opacity')
    .optional()
    .meta({ description: `0.01–1. Default ${WATERMARK_RANGES.opacity.default}` }),
  wm_scale: fractionIn(WATERMARK_RANGES.scale, 'wm_scale')
    .optional()
    .meta({
      description: `The watermark's width as a fraction of the output's (0.01–1). Default ${WATERMARK_RANGES.scale.default}`,
    }),
};
const WATERMARK_DETAIL_PARAMS = ['wm_pos', 'wm_opacity', 'wm_scale'] as const;

/** The watermark of a resolved transform: every field filled. */
export interface ResolvedWatermark {
  name: string;
  position: WatermarkPosition;
  opacity: number;
  scale: number;
}

/** wm_pos, wm_opacity and wm_scale need wm (or a named transform that may set it). */
function watermarkIssues(raw: Record<string, string>): FieldIssue[] {
  if (raw.wm !== undefined || raw.t !== undefined) return [];
  return WATERMARK_DETAIL_PARAMS.filter((name) => raw[name] !== undefined).map((name) => ({
    path: name,
    message: `${name} needs wm (the watermark to draw)`,
  }));
}

const WATERMARK_INPUT_KEYS = [
  'watermark',
  'watermarkPosition',
  'watermarkOpacity',
  'watermarkScale',
] as const;

/**
 * `locked` over `input`; a locked watermark is locked as a whole (its position, opacity and scale, defaults
 * included), so a caller can neither drop it nor fade it away with their own `wm_opacity`.
 */
export function lockTransform(input: TransformInput, locked: TransformInput | undefined): TransformInput {
  if (!locked) return input;
  const base = { ...input };
  if (locked.watermark !== undefined) for (const key of WATERMARK_INPUT_KEYS) delete base[key];
  return { ...base, ...locked };
}

function resolveWatermark(merged: TransformInput): ResolvedWatermark | undefined {
  if (merged.watermark === undefined) return undefined;
  return {
    name: merged.watermark,
    position: merged.watermarkPosition ?? WATERMARK_DEFAULT_POSITION,
    opacity: merged.watermarkOpacity ?? WATERMARK_RANGES.opacity.default,
    scale: merged.watermarkScale ?? WATERMARK_RANGES.scale.default,
  };
}

const watermarkParts = (
  watermark: ResolvedWatermark | undefined,
): [string, string | number | undefined][] => [
  ['wm', watermark?.name],
  ['wm_pos', watermark?.position],
  ['wm_opacity', watermark?.opacity],
  ['wm_scale', watermark?.scale],
];

// --- end of watermarks -----------------------------------------------------------------------------------------

/**
 * The transform query string of a CDN URL (`?w=500&fit=cover&format=auto`), as the public sees it. Strict: an
 * unknown parameter is an error, never silently ignored. `f`/`format` and `g`/`gravity` are aliases.
 */
export const TransformQuerySchema = z
  .strictObject({
    w: intIn(TRANSFORM_RANGES.width, 'w').optional().meta({ description: 'Width in pixels' }),
    h: intIn(TRANSFORM_RANGES.height, 'h').optional().meta({ description: 'Height in pixels' }),
    fit: z.enum(TRANSFORM_FITS).optional(),
    q: intIn(TRANSFORM_RANGES.quality, 'q').optional().meta({ description: 'Quality 1–100' }),
    f: z.enum(TRANSFORM_FORMATS).optional(),
    format: z.enum(TRANSFORM_FORMATS).optional(),
    g: Gravity.optional(),
    gravity: Gravity.optional(),
    dpr: z.coerce
      .number({ error: 'dpr must be a number' })
      .min(TRANSFORM_RANGES.dpr.min, `dpr must be at least ${TRANSFORM_RANGES.dpr.min}`)
      .max(TRANSFORM_RANGES.dpr.max, `dpr must be at most ${TRANSFORM_RANGES.dpr.max}`)
      .optional(),
    blur: intIn(TRANSFORM_RANGES.blur, 'blur').optional(),
    sharpen: z.coerce
      .number({ error: 'sharpen must be a number' })
      .min(TRANSFORM_RANGES.sharpen.min, `sharpen must be at least ${TRANSFORM_RANGES.sharpen.min}`)
      .max(TRANSFORM_RANGES.sharpen.max, `sharpen must be at most ${TRANSFORM_RANGES.sharpen.max}`)
      .optional(),
    rotate: z.coerce
      .number()
      .refine((value) => (TRANSFORM_ROTATIONS as readonly number[]).includes(value), {
        message: `rotate must be one of ${TRANSFORM_ROTATIONS.join(', ')}`,
      })
      .transform((value) => value as (typeof TRANSFORM_ROTATIONS)[number])
      .optional(),
    flip: z.enum(TRANSFORM_FLIPS).optional(),
    bg: Background.optional(),
    anim: z
      .enum(['true', 'false'])
      .transform((value) => value === 'true')
      .optional()
      .meta({
        description:
          'An animated GIF or WebP stays animated (animated WebP, or GIF for clients that accept neither WebP nor AVIF); false gives its first frame. Default true',
      }),
    trim: Trim.optional().meta({
      description:
        'Pixels cut from each side of the original before the rest of the transform: top;right;bottom;left (e.g. 20;30;20;0)',
      example: '20;30;20;0',
    }),
    metadata: z.enum(TRANSFORM_METADATA).optional().meta({
      description:
        'EXIF a JPEG output keeps from the original: none, copyright (only the Copyright tag; the default) or keep (all that ingest left, orientation written as 1). WebP, PNG and AVIF outputs carry none',
    }),
    onerror: z.enum(TRANSFORM_ONERROR).optional().meta({
      description:
        'redirect: a transform that fails answers 302 to the original instead of the error (never cached; not for images that need a signature)',
    }),
    t: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 't must name a transform (a-z, 0-9, _ and -)')
      .optional(),
    ...WatermarkQueryShape,
  })
  .meta({ id: 'TransformQuery', description: 'Transform parameters of a CDN URL' });

export type TransformQuery = z.infer<typeof TransformQuerySchema>;
export type TransformFit = (typeof TRANSFORM_FITS)[number];
export type TransformFormat = (typeof TRANSFORM_FORMATS)[number];
export type TransformFlip = (typeof TRANSFORM_FLIPS)[number];
export type TransformRotation = (typeof TRANSFORM_ROTATIONS)[number];

/** Transform parameters as the user gave them (aliases merged), before defaults. */
export interface TransformInput {
  width?: number;
  height?: number;
  fit?: TransformFit;
  quality?: number;
  format?: TransformFormat;
  gravity?: TransformGravity;
  dpr?: number;
  blur?: number;
  sharpen?: number;
  rotate?: TransformRotation;
  flip?: TransformFlip;
  background?: string;
  anim?: boolean;
  trim?: TransformTrim;
  metadata?: TransformMetadata;
  watermark?: string;
  watermarkPosition?: WatermarkPosition;
  watermarkOpacity?: number;
  watermarkScale?: number;
}

/**
 * `named` is `t=`; `onError` is `onerror=`, how the CDN answers a failed transform: not part of the transform
 * (the output is the same with or without it), so not in `input` nor in the variant key.
 */
export type ParsedTransformQuery =
  | { ok: true; input: TransformInput; named?: string; onError?: TransformOnError }
  | { ok: false; issues: FieldIssue[] };

/**
 * Parses transform parameters. Every problem is reported with the parameter it concerns: unknown names,
 * repeated names, both spellings of an alias, and out-of-range values.
 */
export function parseTransformQuery(entries: Iterable<[string, string]>): ParsedTransformQuery {
  // No prototype: `__proto__` must be an own (and so unknown) key, not a setter that drops it.
  const raw: Record<string, string> = Object.create(null) as Record<string, string>;
  const issues: FieldIssue[] = [];
  for (const [name, value] of entries) {
    if (Object.hasOwn(raw, name)) issues.push({ path: name, message: `${name} is given more than once` });
    raw[name] = value;
  }
  if (raw.f !== undefined && raw.format !== undefined)
    issues.push({ path: 'format', message: 'give either f or format, not both' });
  if (raw.g !== undefined && raw.gravity !== undefined)
    issues.push({ path: 'gravity', message: 'give either g or gravity, not both' });
  issues.push(...watermarkIssues(raw));
  const parsed = TransformQuerySchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys)
          issues.push({ path: key, message: `unknown transform parameter "${key}"` });
      } else {
        const path = issue.path.join('.');
        const message = issue.code === 'invalid_value' ? `${path}: ${issue.message}` : issue.message;
        issues.push({ path, message });
      }
    }
  }
  if (issues.length > 0 || !parsed.success) return { ok: false, issues };
  const q = parsed.data;
  const input: TransformInput = {
    width: q.w,
    height: q.h,
    fit: q.fit,
    quality: q.q,
    format: q.f ?? q.format,
    gravity: q.g ?? q.gravity,
    dpr: q.dpr,
    blur: q.blur,
    sharpen: q.sharpen,
    rotate: q.rotate,
    flip: q.flip,
    background: q.bg,
    anim: q.anim,
    trim: q.trim,
    metadata: q.metadata,
    watermark: q.wm,
    watermarkPosition: q.wm_pos,
    watermarkOpacity: q.wm_opacity,
    watermarkScale: q.wm_scale,
  };
  for (const key of Object.keys(input) as (keyof TransformInput)[])
    if (input[key] === undefined) delete input[key];
  return { ok: true, input, named: q.t, ...(q.onerror ? { onError: q.onerror } : {}) };
}

/** Every parameter resolved: what the engine runs and what the variant key is computed from. */
export interface ResolvedTransform {
  /** Output box in device pixels (`dpr` already applied). */
  width?: number;
  height?: number;
  fit: TransformFit;
  quality: number;
  format: TransformFormat;
  gravity: TransformGravity;
  blur?: number;
  sharpen?: number;
  rotate?: TransformRotation;
  flip?: TransformFlip;
  background?: string;
  anim: boolean;
  /** Cut from the upright original first (`rotate` and the layout see what is left); absent when all zero. */
  trim?: TransformTrim;
  /** EXIF a JPEG output keeps (`metadata=`), `copyright` by default. */
  metadata: TransformMetadata;
  /** Drawn over the output, after every other operation. */
  watermark?: ResolvedWatermark;
}

/**
 * Fills defaults and folds `dpr` into the size, so `w=200&dpr=2` and `w=400` are the same variant. `locked`
 * (a named transform's parameters) wins over the URL's. `widthBuckets` rounds widths up to the next bucket.
 */
export function resolveTransform(
  input: TransformInput,
  options: { locked?: TransformInput; widthBuckets?: readonly number[] } = {},
): ResolvedTransform {
  const merged: TransformInput = lockTransform(input, options.locked);
  const dpr = merged.dpr ?? TRANSFORM_RANGES.dpr.default;
  const scale = (value?: number, max = TRANSFORM_RANGES.width.max) =>
    value === undefined ? undefined : Math.min(max, Math.round(value * dpr));
  let width = scale(merged.width);
  if (width !== undefined && options.widthBuckets) {
    width = options.widthBuckets.find((bucket) => bucket >= width!) ?? width;
  }
  const resolved: ResolvedTransform = {
    width,
    height: scale(merged.height, TRANSFORM_RANGES.height.max),
    fit: merged.fit ?? 'scale-down',
    quality: merged.quality ?? VARIANT_QUALITY,
    format: merged.format ?? 'auto',
    gravity: merged.gravity ?? 'center',
    blur: merged.blur,
    sharpen: merged.sharpen || undefined,
    rotate: merged.rotate,
    flip: merged.flip,
    background: merged.background,
    anim: merged.anim ?? true,
    trim: isNoTrim(merged.trim) ? undefined : merged.trim,
    metadata: merged.metadata ?? TRANSFORM_METADATA_DEFAULT,
    watermark: resolveWatermark(merged),
  };
  if (!resolved.watermark) delete resolved.watermark;
  return resolved;
}

const isNoTrim = (trim: TransformTrim | undefined) =>
  !trim || (trim.top === 0 && trim.right === 0 && trim.bottom === 0 && trim.left === 0);

/** The upright original's size once `trim` is cut, `null` when the trim leaves no pixel. */
export function trimmedSize(
  size: { width: number; height: number },
  trim: TransformTrim | undefined,
): { width: number; height: number } | null {
  if (!trim) return size;
  const width = size.width - trim.left - trim.right;
  const height = size.height - trim.top - trim.bottom;
  return width >= 1 && height >= 1 ? { width, height } : null;
}

const trimText = (trim: TransformTrim | undefined) =>
  trim && `${trim.top};${trim.right};${trim.bottom};${trim.left}`;

const gravityText = (gravity: TransformGravity) =>
  typeof gravity === 'string' ? gravity : `${gravity.x}x${gravity.y}`;

/** One string per distinct transform: fixed order, defaults filled, absent values left out. */
export function canonicalTransform(transform: ResolvedTransform): string {
  const parts: [string, string | number | boolean | undefined][] = [
    ['w', transform.width],
    ['h', transform.height],
    ['fit', transform.fit],
    ['q', transform.quality],
    ['f', transform.format],
    ['g', gravityText(transform.gravity)],
    ['blur', transform.blur],
    ['sharpen', transform.sharpen],
    ['rotate', transform.rotate],
    ['flip', transform.flip],
    ['bg', transform.background],
    ['anim', transform.anim],
    ['trim', trimText(transform.trim)],
    // The default is left out, so every key computed before `metadata` existed still names its variant (those
    // were rendered without EXIF, and ingest strips the Copyright tag, so `copyright` renders them the same).
    ['metadata', transform.metadata === TRANSFORM_METADATA_DEFAULT ? undefined : transform.metadata],
    ...watermarkParts(transform.watermark),
  ];
  return parts
    .filter((part): part is [string, string | number | boolean] => part[1] !== undefined)
    .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`)
    .join('&');
}

export const SignedUrlRequestSchema = z
  .object({
    ttl: z
      .number()
      .int()
      .min(SIGNED_URL_TTL.min)
      .max(SIGNED_URL_TTL.max)
      .default(SIGNED_URL_TTL.default)
      .meta({ description: `Seconds the URL stays valid (${SIGNED_URL_TTL.min}–${SIGNED_URL_TTL.max})` }),
    variant: z
      .string()
      .max(64)
      .optional()
      .meta({ description: 'A preset name, e.g. w1024', example: 'w1024' }),
    transform: z.string().max(1000).optional().meta({
      description:
        'Transform query string as on a CDN URL, e.g. w=500&fit=cover or trim=20;30;20;0&metadata=keep&onerror=redirect',
      example: 'w=500&fit=cover',
    }),
  })
  .meta({ id: 'SignedUrlRequest' });
export type SignedUrlRequest = z.infer<typeof SignedUrlRequestSchema>;

export const SignedUrlSchema = z
  .object({
    url: z.url().meta({ description: 'The CDN URL with `exp` and `sig`' }),
    expires_at: z.iso.datetime(),
  })
  .meta({ id: 'SignedUrl' });
export type SignedUrl = z.infer<typeof SignedUrlSchema>;

export const NAMED_TRANSFORM_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const TransformParamsRecord = z.record(z.string(), z.string().max(100)).meta({
  description: 'Locked transform parameters, as in a CDN query string',
  example: { w: '600', fit: 'cover' },
});

export const NamedTransformSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    params: TransformParamsRecord,
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'NamedTransform' });
export type NamedTransform = z.infer<typeof NamedTransformSchema>;

export const NamedTransformCreateSchema = z
  .object({
    name: z.string().regex(NAMED_TRANSFORM_NAME, 'a-z, 0-9, _ and -, up to 64 characters'),
    params: TransformParamsRecord,
  })
  .meta({ id: 'NamedTransformCreate' });
export type NamedTransformCreate = z.infer<typeof NamedTransformCreateSchema>;

export const NamedTransformUpdateSchema = z
  .object({ params: TransformParamsRecord })
  .meta({ id: 'NamedTransformUpdate' });

export const NamedTransformListSchema = z
  .object({ data: z.array(NamedTransformSchema) })
  .meta({ id: 'NamedTransformList' });
