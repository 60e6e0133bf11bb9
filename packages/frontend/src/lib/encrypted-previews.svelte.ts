import { PreviewTokensSchema, type ImageResource, type PreviewTokens } from '@pixelflare/shared';
import { api } from '$lib/api';

type Urls = PreviewTokens['previews'][string];

/** Preview tokens are asked for in batches the API takes. */
const BATCH = 100;

/**
 * Token URLs for encrypted images, which have none on the CDN: asked for in batches of 100 for the images a page
 * shows, kept until shortly before they expire (they are valid for one to two hours).
 */
export function createEncryptedPreviews() {
  let urls = $state.raw<Record<string, Urls>>({});
  let expiresAt = 0;
  const asked = new Set<string>();

  async function load(images: readonly { id: string; is_encrypted: boolean }[]) {
    if (Date.now() > expiresAt - 60_000) {
      asked.clear();
      urls = {};
    }
    const missing = images
      .filter((image) => image.is_encrypted && !asked.has(image.id))
      .map((image) => image.id);
    for (let i = 0; i < missing.length; i += BATCH) {
      const ids = missing.slice(i, i + BATCH);
      for (const id of ids) asked.add(id);
      try {
        const answer = await api.request(PreviewTokensSchema, '/v1/encryption/preview-tokens', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ image_ids: ids }),
        });
        expiresAt = Date.parse(answer.expires_at);
        urls = { ...urls, ...answer.previews };
      } catch {
        // Asked again on the next load.
        for (const id of ids) asked.delete(id);
      }
    }
  }

  /**
   * Where a list shows an image's preset: its own preview URL, or for an encrypted image (which has none) the
   * token URL once loaded (undefined until then).
   */
  function src(image: Pick<ImageResource, 'id' | 'previews'>, preset: 'thumb' | 'w256'): string | undefined {
    return image.previews ? image.previews[preset] : urls[image.id]?.[preset];
  }

  return {
    get urls() {
      return urls;
    },
    load,
    src,
  };
}
