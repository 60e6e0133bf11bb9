import type { ImagePlaceholder } from '@pixelflare/shared';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { placeholderAttribute, STYLE } from '../public/public.views';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** An image on a shared page: signed URLs only, each valid for a few minutes. */
export interface SharedImage {
  src: string;
  /** Where a click on it goes (a larger preset, or the original when downloads are allowed). */
  href: string;
  width: number;
  height: number;
  alt: string;
  placeholder: ImagePlaceholder | null;
}

const FORM_STYLE = raw(`<style>
form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-block-start:1rem}
label{display:flex;flex-direction:column;gap:.25rem}input,button{font:inherit;padding:.5rem .75rem;min-height:44px}
button{cursor:pointer}.error{color:#b91c1c}@media (prefers-color-scheme:dark){.error{color:#fca5a5}}
figure{margin:0}figure img{max-width:100%;height:auto;border-radius:.5rem;background:var(--card)}
</style>`);

/** Never indexed, never described to link previews: the page is for whoever was given the link. */
function layout(title: string, body: Html): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>${title}</title>
        ${STYLE}${FORM_STYLE}
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html>`;
}

export function imageSharePage(page: { title: string; image: SharedImage; download?: string }): Html {
  const { image } = page;
  return layout(
    page.title,
    html`<h1>${page.title}</h1>
      <figure>
        <a href="${image.href}"
          ><img
            src="${image.src}"
            width="${image.width}"
            height="${image.height}"
            alt="${image.alt}"
            ${placeholderAttribute(image.placeholder, 32)}
        /></a>
      </figure>
      ${page.download ? html`<p><a href="${page.download}" download>Download the original</a></p>` : ''}`,
  );
}

export function albumSharePage(page: {
  title: string;
  description: string | null;
  images: SharedImage[];
  /** More images than the page shows. */
  truncated: boolean;
}): Html {
  return layout(
    page.title,
    html`<h1>${page.title}</h1>
      ${page.description ? html`<p>${page.description}</p>` : ''}
      ${
        page.images.length === 0
          ? html`<p class="muted">This album has no images to show.</p>`
          : html`<ul class="grid">
              ${page.images.map(
                (image, i) =>
                  html`<li>
                    <a href="${image.href}"
                      ><img
                        src="${image.src}"
                        width="${image.width}"
                        height="${image.height}"
                        alt="${image.alt}"
                        loading="${i < 8 ? 'eager' : 'lazy'}"
                        decoding="async"
                        ${placeholderAttribute(image.placeholder)}
                    /></a>
                  </li>`,
              )}
            </ul>`
      }
      ${page.truncated ? html`<p class="muted">Only the newest ${page.images.length} images are shown.</p>` : ''}`,
  );
}

export function passwordPage(problem?: { wrong?: boolean; retryAfterSeconds?: number }): Html {
  const message = problem?.retryAfterSeconds
    ? `Too many wrong passwords. Try again in ${Math.ceil(problem.retryAfterSeconds / 60)} min.`
    : problem?.wrong
      ? 'Wrong password.'
      : '';
  return layout(
    'Password required',
    html`<h1>This link is protected</h1>
      <p>Enter the password you were given to open it.</p>
      ${message ? html`<p class="error" role="alert">${message}</p>` : ''}
      <form method="post">
        <label
          >Password <input type="password" name="password" autocomplete="current-password" required autofocus
        /></label>
        <button type="submit">Open</button>
      </form>`,
  );
}

const GONE_TEXT = {
  expired: 'This link has expired.',
  used_up: 'This link has been used up: it could be opened only a limited number of times.',
  revoked: 'This link was revoked by its owner.',
  removed: 'What this link shared has been removed.',
} as const;
export type GoneReason = keyof typeof GONE_TEXT;

export function gonePage(reason: GoneReason): Html {
  return layout(
    'Link no longer available',
    html`<h1>Link no longer available</h1>
      <p>${GONE_TEXT[reason]}</p>
      <p class="muted">Ask the person who sent it for a new one.</p>`,
  );
}

export const goneMessage = (reason: GoneReason) => GONE_TEXT[reason];

export function notFoundPage(): Html {
  return layout(
    'Link not found',
    html`<h1>Link not found</h1>
      <p>Check that the whole link was copied.</p>`,
  );
}
