import { VARIANT_PRESETS, WIDTH_VARIANTS, type VariantName } from '@pixelflare/config';
import {
  canonicalCdnPath,
  cdnUrl,
  placeholderStyle,
  type CdnUrlBase,
  type ImagePlaceholder,
  type Page,
} from '@pixelflare/shared';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type {
  PublicAlbum,
  PublicAlbumPage,
  PublicImage,
  PublicOwner,
  PublicProfile,
} from '../../services/public-pages/public-pages';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Where one site's pages and images live: `/u/{owner}` on the product's host, or the owner's custom domain. */
export interface SiteUrls {
  /** The profile's absolute URL (`https://host/u/alice`, or `https://img.alice.example/`). */
  profile: string;
  album(slug: string): string;
  sitemap: string;
  /** Where the owner's images are served. */
  cdn: CdnUrlBase;
  /** Presets this deployment serves (`ALLOWED_VARIANTS`). */
  variants: readonly string[];
}

function imageUrl(site: SiteUrls, owner: PublicOwner, image: PublicImage, variant?: VariantName) {
  const path = canonicalCdnPath(
    { kind: 'path', owner: owner.slug, album: image.albumSlug, filename: image.filename },
    variant,
  );
  return cdnUrl(site.cdn, path);
}

/**
 * The width presets worth offering for an image: every enabled one up to the first at least as wide as the image
 * (presets never enlarge, so wider ones would be the same bytes under another URL).
 */
function srcsetOf(site: SiteUrls, owner: PublicOwner, image: PublicImage): { src: string; srcset: string } {
  const widths: { name: VariantName; width: number }[] = [];
  for (const name of WIDTH_VARIANTS) {
    if (!site.variants.includes(name)) continue;
    const width = VARIANT_PRESETS[name].width;
    widths.push({ name, width: Math.min(width, image.width || width) });
    if (image.width > 0 && width >= image.width) break;
  }
  if (widths.length === 0) return { src: imageUrl(site, owner, image), srcset: '' };
  const middle = widths.find((entry) => entry.width >= 512) ?? widths[widths.length - 1]!;
  return {
    src: imageUrl(site, owner, image, middle.name),
    srcset: widths.map((entry) => `${imageUrl(site, owner, image, entry.name)} ${entry.width}w`).join(', '),
  };
}

const ogImageOf = (site: SiteUrls, owner: PublicOwner, image: PublicImage | null | undefined) =>
  image && site.variants.includes('og-image') ? imageUrl(site, owner, image, 'og-image') : undefined;

const nameOf = (owner: PublicOwner) => owner.displayName ?? owner.slug;

/** Small, inline, no web fonts: the page is one request plus its images (share-link pages use it too). */
export const STYLE = raw(`<style>
:root{color-scheme:light dark;--fg:#1c1917;--muted:#57534e;--bg:#fafaf9;--card:#e7e5e4}
@media (prefers-color-scheme:dark){:root{--fg:#f5f5f4;--muted:#a8a29e;--bg:#1c1917;--card:#292524}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:72rem;margin:0 auto;padding:1.5rem 1rem 3rem}a{color:inherit}
header.profile{display:flex;gap:1rem;align-items:center;margin-block-end:1.5rem}
header.profile img{border-radius:50%;background:var(--card)}h1{font-size:1.75rem;margin:0}
h2{font-size:1.25rem;margin:2rem 0 .75rem}p{margin:.25rem 0}.muted{color:var(--muted)}
ul.grid{list-style:none;padding:0;margin:0;display:grid;gap:.5rem;grid-template-columns:repeat(auto-fill,minmax(min(11rem,45%),1fr))}
ul.grid img{display:block;width:100%;height:auto;aspect-ratio:1;object-fit:cover;border-radius:.5rem;background:var(--card)}
ul.albums span{display:block;font-weight:600;margin-block-start:.25rem}nav.more{margin-block-start:1.5rem}
nav.more a,.links a{display:inline-block;padding:.5rem 0;min-height:44px}
</style>`);

function layout(page: {
  title: string;
  description: string | null;
  canonical: string;
  ogImage?: string;
  noindex?: boolean;
  body: Html;
}): Html {
  const description = page.description?.slice(0, 300);
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${page.title}</title>
        ${description ? html`<meta name="description" content="${description}" />` : ''}
        <link rel="canonical" href="${page.canonical}" />
        ${page.noindex ? html`<meta name="robots" content="noindex" />` : ''}
        <meta property="og:type" content="profile" />
        <meta property="og:title" content="${page.title}" />
        <meta property="og:url" content="${page.canonical}" />
        ${description ? html`<meta property="og:description" content="${description}" />` : ''}
        ${page.ogImage ? html`<meta property="og:image" content="${page.ogImage}" /><meta property="og:image:width" content="1200" /><meta property="og:image:height" content="630" />` : ''}
        <meta name="twitter:card" content="${page.ogImage ? 'summary_large_image' : 'summary'}" />
        <meta name="twitter:title" content="${page.title}" />
        ${page.ogImage ? html`<meta name="twitter:image" content="${page.ogImage}" />` : ''} ${STYLE}
      </head>
      <body>
        <main>${page.body}</main>
      </body>
    </html>`;
}

/**
 * The placeholder behind an image while it loads, as a `style` attribute: its dominant colour and a tiny
 * ThumbHash picture (8 px a side by default, about 400 bytes, blurred as the browser scales it up), so a grid
 * of 48 adds about 25 KB of HTML. No script needed. Share pages use it too.
 */
export const placeholderAttribute = (placeholder: ImagePlaceholder | null, maxSide = 8) =>
  placeholder ? html` style="${placeholderStyle(placeholder, { maxSide })}"` : '';

/**
 * One image of a grid: lazy (the first row eager, the very first fetched first: it is the likely largest paint),
 * with its size set so nothing moves as it loads. The image is its link's only content, so its alt text names
 * the link: the file name when the owner gave neither alt text nor a title (an empty alt leaves a nameless link).
 */
function gridImage(
  site: SiteUrls,
  owner: PublicOwner,
  image: PublicImage,
  order: { eager: boolean; first: boolean },
): Html {
  const { src, srcset } = srcsetOf(site, owner, image);
  const label = image.alt ?? image.title ?? image.filename;
  const eager = order.eager;
  return html`<li>
    <a href="${imageUrl(site, owner, image)}"
      ><img
        src="${src}"
        srcset="${srcset}"
        sizes="(min-width: 72rem) 14rem, (min-width: 40rem) 30vw, 45vw"
        width="${image.width || 512}"
        height="${image.height || 512}"
        alt="${label}"
        loading="${eager ? 'eager' : 'lazy'}"
        decoding="async"
        ${order.first ? html`fetchpriority="high"` : ''}${placeholderAttribute(image.placeholder)}
    /></a>
  </li>`;
}

/** `first`: the grid opens the page (no album cards above it), so its first image is fetched first. */
function imageGrid(
  site: SiteUrls,
  owner: PublicOwner,
  page: Page<PublicImage>,
  more: string,
  first: boolean,
): Html {
  if (page.data.length === 0) return html`<p class="muted">No public images yet.</p>`;
  return html`<ul class="grid">
      ${page.data.map((image, i) => gridImage(site, owner, image, { eager: i < 4, first: first && i === 0 }))}
    </ul>
    ${page.next_cursor ? html`<nav class="more"><a rel="next" href="${more}?cursor=${encodeURIComponent(page.next_cursor)}">More images</a></nav>` : ''}`;
}

/** An album's card; the first row of cards is above the fold on a phone, so it is not lazy. */
function albumCard(site: SiteUrls, owner: PublicOwner, album: PublicAlbum, index: number): Html {
  const cover = album.cover;
  const thumb = cover ? srcsetOf(site, owner, cover) : undefined;
  return html`<li>
    <a href="${site.album(album.slug)}"
      >${
        thumb && cover
          ? html`<img
              src="${thumb.src}"
              srcset="${thumb.srcset}"
              sizes="(min-width: 72rem) 14rem, (min-width: 40rem) 30vw, 45vw"
              width="${cover.width || 512}"
              height="${cover.height || 512}"
              alt=""
              loading="${index < 4 ? 'eager' : 'lazy'}"
              decoding="async"
              ${index === 0 ? html`fetchpriority="high"` : ''}${placeholderAttribute(cover.placeholder)}
            />`
          : ''
      }<span>${album.title}</span></a
    >
  </li>`;
}

function ownerLinks(owner: PublicOwner): Html {
  const links: Html[] = [];
  if (owner.website)
    links.push(html`<a href="${owner.website}" rel="me nofollow">${hostOf(owner.website)}</a>`);
  if (owner.github)
    links.push(
      html`<a href="https://github.com/${owner.github}" rel="me nofollow">GitHub: ${owner.github}</a>`,
    );
  if (links.length === 0) return html``;
  return html`<p class="links">${links.map((link, i) => (i === 0 ? link : html` · ${link}`))}</p>`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function profilePage(site: SiteUrls, profile: PublicProfile, paged: boolean): Html {
  const { owner } = profile;
  const showAlbums = profile.albums.length > 0 && !paged;
  const body = html`<header class="profile">
      ${owner.avatarUrl ? html`<img src="${owner.avatarUrl}" alt="" width="96" height="96" />` : ''}
      <div>
        <h1>${nameOf(owner)}</h1>
        ${owner.bio ? html`<p>${owner.bio}</p>` : ''}${ownerLinks(owner)}
      </div>
    </header>
    ${
      showAlbums
        ? html`<section aria-labelledby="albums">
            <h2 id="albums">Albums</h2>
            <ul class="grid albums">
              ${profile.albums.map((album, i) => albumCard(site, owner, album, i))}
            </ul>
          </section>`
        : ''
    }
    <section aria-labelledby="images">
      <h2 id="images">Images</h2>
      ${imageGrid(site, owner, profile.images, site.profile.replace(/\/$/, '') || '/', !showAlbums)}
    </section>`;
  return layout({
    title: nameOf(owner),
    description: owner.bio,
    canonical: site.profile,
    ogImage: ogImageOf(site, owner, profile.albums[0]?.cover ?? profile.images.data[0]),
    body,
  });
}

export function albumPage(site: SiteUrls, page: PublicAlbumPage): Html {
  const { owner, album } = page;
  const body = html`<p><a href="${site.profile}">← ${nameOf(owner)}</a></p>
    <h1>${album.title}</h1>
    ${album.description ? html`<p>${album.description}</p>` : ''}
    ${imageGrid(site, owner, page.images, site.album(album.slug), true)}`;
  return layout({
    title: `${album.title} · ${nameOf(owner)}`,
    description: album.description,
    canonical: site.album(album.slug),
    ogImage: ogImageOf(site, owner, album.cover),
    // Unlisted: reachable by its URL, kept out of search engines and the sitemap.
    noindex: !album.listed,
    body,
  });
}

const xml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

export function sitemapXml(
  site: SiteUrls,
  map: { updatedAt: Date; albums: { slug: string; updatedAt: Date }[] },
): string {
  const entry = (loc: string, at: Date) =>
    `<url><loc>${xml(loc)}</loc><lastmod>${at.toISOString()}</lastmod></url>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
${[entry(site.profile, map.updatedAt), ...map.albums.map((album) => entry(site.album(album.slug), album.updatedAt))].join('\n')}
</urlset>
`;
}

export function robotsTxt(site: SiteUrls): string {
  return `User-agent: *\nAllow: /\nSitemap: ${site.sitemap}\n`;
}

/** The product's sitemap index: one entry per findable owner's sitemap (`/u/{owner}/sitemap.xml`). */
export function sitemapIndexXml(sitemaps: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
${sitemaps.map((loc) => `<sitemap><loc>${xml(loc)}</loc></sitemap>`).join('\n')}
</sitemapindex>
`;
}

/**
 * The product host's robots.txt: profiles and albums may be crawled, the API, sign-in and share links not (share
 * pages also say noindex); each page of the sitemap index is named.
 */
export function productRobotsTxt(sitemaps: string[]): string {
  return [
    'User-agent: *',
    'Allow: /u/',
    'Disallow: /v1/',
    'Disallow: /auth/',
    'Disallow: /s/',
    ...sitemaps.map((sitemap) => `Sitemap: ${sitemap}`),
    '',
  ].join('\n');
}
