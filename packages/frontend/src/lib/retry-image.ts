/**
 * How long a thumbnail that failed to load waits before it is asked for again, one delay per try. Renditions are
 * made on first request, and a busy deployment may answer one with a 503 (the image service timed out) or a 429
 * (the transform rate limit), or a connection may drop: each passes, and a grid should not keep a broken picture.
 */
export const IMAGE_RETRY_DELAYS_MS: readonly number[] = [1000, 3000, 8000];

/** The part of an `<img>` the retry needs (so it is testable without a DOM). */
export interface RetryableImage extends EventTarget {
  src: string;
  getAttribute(name: 'src'): string | null;
}

/**
 * A Svelte action: when the image fails to load, set its `src` again after a delay, at most once per delay in
 * `delays`; a successful load starts the count again. Setting `src`, even to the same URL, makes the browser
 * request it anew. Signed URLs that expired are the page's business (it asks the API for fresh ones on `error`).
 */
export function retryOnError(image: RetryableImage, delays: readonly number[] = IMAGE_RETRY_DELAYS_MS) {
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onError = () => {
    const delay = delays[failures];
    if (delay === undefined) return;
    failures += 1;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const src = image.getAttribute('src');
      if (src) image.src = src;
    }, delay);
  };
  const onLoad = () => {
    failures = 0;
  };
  image.addEventListener('error', onError);
  image.addEventListener('load', onLoad);
  return {
    destroy() {
      clearTimeout(timer);
      image.removeEventListener('error', onError);
      image.removeEventListener('load', onLoad);
    },
  };
}
