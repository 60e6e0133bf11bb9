import { PUBLIC_PAGE_LIMITS, VARIANT_NAMES } from '@pixelflare/config';
import { AlbumSlug } from '@pixelflare/shared';
import { Hono, type Context } from 'hono';
import { customHostSite } from '../../cdn/custom-host';
import { notFound } from '../../lib/errors';
import type { AppEnv } from '../../lib/types';
import { cdnBaseOf } from '../../services/images/resource';
import {
  publicAlbumPage,
  publicProfile,
  publicSitemap,
  sitemapIndexPage,
  sitemapIndexPages,
} from '../../services/public-pages/public-pages';
import {
  albumPage,
  productRobotsTxt,
  profilePage,
  robotsTxt,
  sitemapIndexXml,
  sitemapXml,
  type SiteUrls,
} from './public.views';

type PublicContext = Context<AppEnv>;

const cacheControl = `public, max-age=${PUBLIC_PAGE_LIMITS.cacheSeconds}`;
const variantsOf = (c: PublicContext) => c.get('config').ALLOWED_VARIANTS ?? VARIANT_NAMES;

/** `/u/{owner}` on the product's host: pages beside the API, images on the CDN's base. */
function productSite(c: PublicContext, ownerSlug: string): SiteUrls {
  const config = c.get('config');
  const profile = `${config.PUBLIC_API_URL.replace(/\/$/, '')}/u/${encodeURIComponent(ownerSlug)}`;
  return {
    profile,
    album: (slug) => `${profile}/${encodeURIComponent(slug)}`,
    sitemap: `${profile}/sitemap.xml`,
    cdn: cdnBaseOf(config),
    variants: variantsOf(c),
  };
}

/** An owner's custom domain: the profile at `/`, albums at `/{album}`, images without `/cdn/{owner}`. */
function customSite(c: PublicContext, ownerSlug: string): SiteUrls {
  const origin = new URL(c.req.url).origin;
  return {
    profile: `${origin}/`,
    album: (slug) => `${origin}/${encodeURIComponent(slug)}`,
    sitemap: `${origin}/sitemap.xml`,
    cdn: { origin, customHostOwner: ownerSlug },
    variants: variantsOf(c),
  };
}

const profileNotFound = () => notFound('Profile');

async function renderProfile(c: PublicContext, ownerSlug: string, site: SiteUrls) {
  const cursor = c.req.query('cursor');
  const profile = await publicProfile(c.get('db'), ownerSlug, cursor);
  if (!profile) throw profileNotFound();
  return c.html(profilePage(site, profile, cursor !== undefined), 200, { 'Cache-Control': cacheControl });
}

async function renderAlbum(c: PublicContext, ownerSlug: string, albumSlug: string, site: SiteUrls) {
  if (!AlbumSlug.safeParse(albumSlug).success) throw notFound('Album');
  const page = await publicAlbumPage(c.get('db'), ownerSlug, albumSlug, c.req.query('cursor'));
  if (!page) throw notFound('Album');
  return c.html(albumPage(site, page), 200, { 'Cache-Control': cacheControl });
}

async function renderSitemap(c: PublicContext, ownerSlug: string, site: SiteUrls) {
  const map = await publicSitemap(c.get('db'), ownerSlug);
  if (!map) throw profileNotFound();
  return c.body(sitemapXml(site, map), 200, {
    'Content-Type': 'application/xml; charset=utf-8',
    'Cache-Control': cacheControl,
  });
}

/**
 * `/u/*`: public profiles and albums on the product's host. Server-rendered HTML with no script: visitors need
 * none of the dashboard's JavaScript.
 */
export const publicPagesRouter = new Hono<AppEnv>();
publicPagesRouter.get('/:owner', (c) =>
  renderProfile(c, c.req.param('owner'), productSite(c, c.req.param('owner'))),
);
publicPagesRouter.get('/:owner/sitemap.xml', (c) =>
  renderSitemap(c, c.req.param('owner'), productSite(c, c.req.param('owner'))),
);
publicPagesRouter.get('/:owner/:album', (c) =>
  renderAlbum(c, c.req.param('owner'), c.req.param('album'), productSite(c, c.req.param('owner'))),
);

/** A custom domain's pages; on the product's own hosts `/site/...` is nobody's (404). */
async function customOwner(c: PublicContext): Promise<string> {
  const site = await customHostSite(c);
  if (!site) throw profileNotFound();
  return site.ownerSlug;
}

export const customSiteRouter = new Hono<AppEnv>();
customSiteRouter.get('/', async (c) => {
  const owner = await customOwner(c);
  return renderProfile(c, owner, customSite(c, owner));
});
customSiteRouter.get('/robots.txt', async (c) => {
  const owner = await customOwner(c);
  return c.text(robotsTxt(customSite(c, owner)), 200, { 'Cache-Control': cacheControl });
});
customSiteRouter.get('/sitemap.xml', async (c) => {
  const owner = await customOwner(c);
  return renderSitemap(c, owner, customSite(c, owner));
});
customSiteRouter.get('/:album', async (c) => {
  const owner = await customOwner(c);
  return renderAlbum(c, owner, c.req.param('album'), customSite(c, owner));
});

/** The product host's origin, where `/u/...` pages and the sitemap index live. */
const productOrigin = (c: PublicContext) => c.get('config').PUBLIC_API_URL.replace(/\/$/, '');
const indexPageUrl = (origin: string, page: number) =>
  page === 1 ? `${origin}/sitemap.xml` : `${origin}/sitemap.xml?page=${page}`;

/**
 * `/robots.txt` and `/sitemap.xml` on the product's host (custom domains have their own, under `/site`): a sitemap
 * index of every findable owner's sitemap, `?page=N` past 50,000 owners. Private, unlisted and encrypted content
 * is in no owner's sitemap, and an owner with nothing visible is not listed.
 */
export const productSiteRouter = new Hono<AppEnv>();
productSiteRouter.get('/robots.txt', async (c) => {
  const origin = productOrigin(c);
  const pages = await sitemapIndexPages(c.get('db'));
  const sitemaps = Array.from({ length: pages }, (_, i) => indexPageUrl(origin, i + 1));
  return c.text(productRobotsTxt(sitemaps), 200, { 'Cache-Control': cacheControl });
});
productSiteRouter.get('/sitemap.xml', async (c) => {
  const page = Number(c.req.query('page') ?? '1');
  if (!Number.isSafeInteger(page) || page < 1) throw notFound('Sitemap');
  const db = c.get('db');
  const slugs = await sitemapIndexPage(db, page);
  if (slugs.length === 0 && page > 1) throw notFound('Sitemap');
  const origin = productOrigin(c);
  return c.body(
    sitemapIndexXml(slugs.map((slug) => `${origin}/u/${encodeURIComponent(slug)}/sitemap.xml`)),
    200,
    { 'Content-Type': 'application/xml; charset=utf-8', 'Cache-Control': cacheControl },
  );
});
