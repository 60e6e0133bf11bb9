import type { ApiClient } from '@pixelflare/client';
import { ENCRYPTED_RENDITIONS, VARIANT_PRESETS, WIDTH_VARIANTS } from '@pixelflare/config';
import {
  canonicalCdnPath,
  canonicalCdnQuery,
  cdnUrl,
  type AccessTokenRequest,
  type ImageResource,
} from '@pixelflare/shared';
import { CliError } from './exit-codes';

/**
 * A CDN URL for an image with a variant or transform. Public images: built here with the shared URL builder (the
 * one the API and dashboard use), on the origin the image's own URL names. Images served signed only: the API
 * signs it (the signing secret never leaves the instance). Encrypted images have no plain or signed URLs (their
 * `urls` are null: the CDN answers 404): an expiring token link from the API, for the original or a stored preset;
 * they have no transforms.
 */
export async function transformUrl(
  api: ApiClient,
  image: ImageResource,
  options: { variant?: string; transform?: URLSearchParams; ttl?: number; sign?: boolean } = {},
): Promise<string> {
  if (image.is_encrypted || image.urls.short === null) return tokenUrl(api, image, options);
  const query = options.transform ? canonicalCdnQuery(options.transform.entries()) : '';
  // `sign`: an instance with REQUIRE_SIGNED_TRANSFORMS wants a signature on a public image's transforms too.
  if (image.access === 'signed' || options.sign) {
    const signed = await api.signedUrl(image.id, {
      ...(options.variant ? { variant: options.variant } : {}),
      ...(query ? { transform: query } : {}),
      ...(options.ttl ? { ttl: options.ttl } : {}),
    });
    return signed.url;
  }
  const short = new URL(image.urls.short);
  // A dedicated CDN hostname serves without the /cdn prefix.
  const base = { origin: short.origin, dedicatedHost: !short.pathname.startsWith('/cdn/') };
  const path = canonicalCdnPath({ kind: 'short', shortId: image.short_id }, options.variant);
  return cdnUrl(base, path, query ? new URLSearchParams(query) : undefined);
}

async function tokenUrl(
  api: ApiClient,
  image: ImageResource,
  options: { variant?: string; transform?: URLSearchParams; ttl?: number },
): Promise<string> {
  if (options.transform?.size)
    throw new CliError('An encrypted image has no transforms: use --variant with one of its stored presets');
  const rendition = options.variant ?? 'original';
  if (rendition !== 'original' && !(ENCRYPTED_RENDITIONS as readonly string[]).includes(rendition))
    throw new CliError(
      `An encrypted image has only these presets: original, ${ENCRYPTED_RENDITIONS.join(', ')} (not ${rendition})`,
    );
  const minted = await api.accessToken(image.id, {
    rendition: rendition as AccessTokenRequest['rendition'],
    ...(options.ttl ? { ttl: options.ttl } : {}),
  });
  return minted.url;
}

/** The widths a srcset offers: common breakpoints below the image's width, then the image's own width. */
export function srcsetWidths(width: number): number[] {
  return [...[320, 640, 960, 1280, 1920].filter((candidate) => candidate < width), width];
}

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export type SnippetFormat = 'url' | 'markdown' | 'html' | 'srcset';
export const SNIPPET_FORMATS: readonly SnippetFormat[] = ['url', 'markdown', 'html', 'srcset'];

/** What `upload` and `get --format` print for an image. */
export async function snippet(api: ApiClient, image: ImageResource, format: SnippetFormat): Promise<string> {
  const url = await transformUrl(api, image);
  const alt = image.alt ?? image.title ?? image.filename;
  switch (format) {
    case 'url':
      return url;
    case 'markdown':
      return `![${alt.replaceAll(/[[\]]/g, '')}](${url})`;
    case 'html':
      return `<img src="${escapeHtml(url)}" alt="${escapeHtml(alt)}" width="${image.width}" height="${image.height}" loading="lazy">`;
    case 'srcset': {
      if (image.is_encrypted) {
        // No transforms: the stored width presets (token links, as long-lived as the original's), then the original.
        const presets = WIDTH_VARIANTS.filter(
          (name) => ENCRYPTED_RENDITIONS.includes(name) && VARIANT_PRESETS[name].width < image.width,
        );
        const sources = await Promise.all(
          presets.map(
            async (name) =>
              `${escapeHtml(await transformUrl(api, image, { variant: name }))} ${VARIANT_PRESETS[name].width}w`,
          ),
        );
        sources.push(`${escapeHtml(url)} ${image.width}w`);
        return `<img src="${escapeHtml(url)}" srcset="${sources.join(', ')}" sizes="100vw" alt="${escapeHtml(alt)}" width="${image.width}" height="${image.height}" loading="lazy">`;
      }
      const widths = srcsetWidths(image.width);
      const sources = await Promise.all(
        widths.map(async (width) => {
          const sized = await transformUrl(api, image, {
            transform: new URLSearchParams({ w: String(width) }),
          });
          return `${escapeHtml(sized)} ${width}w`;
        }),
      );
      return `<img src="${escapeHtml(url)}" srcset="${sources.join(', ')}" sizes="100vw" alt="${escapeHtml(alt)}" width="${image.width}" height="${image.height}" loading="lazy">`;
    }
  }
}

/**
 * URLs and snippets for an image shown `width` CSS pixels wide: the URL at that width (never wider than the
 * original), a srcset of 1× and 2× (the 2× only when the original has the pixels), and `sizes` that let a
 * narrower screen take less. Encrypted images have no transforms: their stored presets instead (`snippet`).
 */
export async function sizedSnippets(
  api: ApiClient,
  image: ImageResource,
  width: number,
  transform?: string,
): Promise<{ url: string; markdown: string; html: string; srcset: string }> {
  const alt = image.alt ?? image.title ?? image.filename;
  if (image.is_encrypted) {
    const [url, markdown, html, srcset] = await Promise.all(
      SNIPPET_FORMATS.map((format) => snippet(api, image, format)),
    );
    return { url: url!, markdown: markdown!, html: html!, srcset: srcset! };
  }
  const at = async (pixels: number) =>
    transformUrl(api, image, {
      transform: new URLSearchParams({
        ...(transform ? { t: transform } : {}),
        ...(pixels < image.width ? { w: String(pixels) } : {}),
      }),
    });
  const shown = Math.min(width, image.width);
  const height = Math.round((image.height * shown) / image.width);
  const url = await at(shown);
  const sources = [`${escapeHtml(url)} ${shown}w`];
  if (shown * 2 <= image.width) sources.push(`${escapeHtml(await at(shown * 2))} ${shown * 2}w`);
  const img = (extra: string) =>
    `<img src="${escapeHtml(url)}"${extra} alt="${escapeHtml(alt)}" width="${shown}" height="${height}" loading="lazy">`;
  return {
    url,
    markdown: `![${alt.replaceAll(/[[\]]/g, '')}](${url})`,
    html: img(''),
    srcset: img(` srcset="${sources.join(', ')}" sizes="(max-width: ${shown}px) 100vw, ${shown}px"`),
  };
}
