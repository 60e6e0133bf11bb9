import { VARIANT_PRESETS, WIDTH_VARIANTS } from '@pixelflare/config';
import {
  canonicalCdnPath,
  cdnUrl,
  cdnUrlBaseOf,
  placeholderStyle,
  type ImageResource,
  type PlaceholderKind,
} from '@pixelflare/shared';

/** An image with its plain CDN URLs: every image but an encrypted one, whose `urls` are null (they answer 404). */
export type PlainImage<T extends Pick<ImageResource, 'urls'> = ImageResource> = T & {
  urls: { cdn: string; short: string };
};

/** Whether the image has plain CDN URLs to show and build snippets from (an encrypted one has token links only). */
export function hasPlainUrls<T extends Pick<ImageResource, 'urls'>>(image: T): image is PlainImage<T> {
  return image.urls.cdn !== null && image.urls.short !== null;
}

/**
 * URL of one preset of an image, e.g. `…/cdn/i/k7d2qx/w256` (`original` is the bare short URL), built by the
 * API's own builder on the host its short URL names.
 */
export function variantUrl(image: Pick<PlainImage, 'urls' | 'short_id'>, variant: string): string {
  const address = { kind: 'short', shortId: image.short_id } as const;
  const base = cdnUrlBaseOf(image.urls.short, address);
  // A short URL the API built always has its base; were it not, the URL itself is still the original.
  return base ? cdnUrl(base, canonicalCdnPath(address, variant)) : image.urls.short;
}

const escapeHtml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeMarkdown = (value: string) => value.replace(/[[\]\\]/g, '\\$&');

type SnippetImage = Pick<
  PlainImage,
  'urls' | 'short_id' | 'alt' | 'title' | 'filename' | 'width' | 'height'
> &
  Partial<Pick<ImageResource, 'placeholder'>>;
const altOf = (image: SnippetImage) => image.alt ?? image.title ?? image.filename;

/** What an HTML snippet shows while the image loads: nothing, its dominant colour, or a tiny blurred ThumbHash. */
export interface SnippetOptions {
  placeholder?: PlaceholderKind;
}

/**
 * The snippet's ` style="…"` (the builder the public pages use, 8 px ThumbHash: under a kilobyte), or nothing
 * for `none` or an image whose placeholder is not worked out yet.
 */
function styleOf(image: SnippetImage, options: SnippetOptions): string {
  const kind = options.placeholder ?? 'none';
  if (kind === 'none') return '';
  const style = placeholderStyle(image.placeholder, { kind, maxSide: 8 });
  return style ? ` style="${escapeHtml(style)}"` : '';
}

/** Whether the image has a placeholder a snippet can carry. */
export const hasPlaceholder = (image: Partial<Pick<ImageResource, 'placeholder'>>) =>
  Boolean(image.placeholder);

export function markdownSnippet(image: SnippetImage): string {
  return `![${escapeMarkdown(altOf(image))}](${image.urls.cdn})`;
}

export function htmlSnippet(image: SnippetImage, options: SnippetOptions = {}): string {
  return `<img src="${escapeHtml(image.urls.cdn)}" alt="${escapeHtml(altOf(image))}" width="${image.width}" height="${image.height}" loading="lazy"${styleOf(image, options)}>`;
}

/** Width presets no wider than the original (they never enlarge), plus the original as the widest candidate. */
export function srcsetEntries(image: SnippetImage): { url: string; width: number }[] {
  const entries = WIDTH_VARIANTS.map((name) => ({ name, width: VARIANT_PRESETS[name].width }))
    .filter(({ width }) => width < image.width)
    .map(({ name, width }) => ({ url: variantUrl(image, name), width }));
  return [...entries, { url: image.urls.cdn, width: image.width }];
}

export function srcsetSnippet(
  image: SnippetImage,
  options: SnippetOptions & { sizes?: string } = {},
): string {
  const sizes = options.sizes ?? '100vw';
  const srcset = srcsetEntries(image)
    .map(({ url, width }) => `${url} ${width}w`)
    .join(', ');
  return `<img src="${escapeHtml(image.urls.cdn)}" srcset="${escapeHtml(srcset)}" sizes="${escapeHtml(sizes)}" alt="${escapeHtml(altOf(image))}" width="${image.width}" height="${image.height}" loading="lazy"${styleOf(image, options)}>`;
}

/** Parameters of the transform playground, turned into a `?w=…` CDN URL (only what differs from the default). */
export interface PlaygroundParams {
  w?: number;
  h?: number;
  fit?: string;
  format?: string;
  q?: number;
  blur?: number;
  /** `top;right;bottom;left`, as typed. */
  trim?: string;
  metadata?: string;
}

export function transformUrl(image: Pick<PlainImage, 'urls'>, params: PlaygroundParams): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== '' && value !== 0) query.set(name, String(value));
  const text = query.toString();
  return text ? `${image.urls.cdn}?${text}` : image.urls.cdn;
}
