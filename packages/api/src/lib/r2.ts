/** The folder an R2 key is in, with its trailing slash: an image's folder holds its original and every variant. */
export const folderOf = (key: string) => key.slice(0, key.lastIndexOf('/') + 1);

/**
 * Deletes every object under `prefix` except those `keep` accepts, one listing page at a time (R2 lists and
 * deletes at most 1,000 keys a call), so any number goes. Idempotent; returns how many were deleted.
 */
export async function deleteUnderPrefix(
  bucket: R2Bucket,
  prefix: string,
  keep: (object: R2Object) => boolean = () => false,
): Promise<number> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const listing = await bucket.list({ prefix, cursor });
    const doomed = listing.objects.filter((object) => !keep(object)).map((object) => object.key);
    if (doomed.length > 0) await bucket.delete(doomed);
    deleted += doomed.length;
    cursor = listing.truncated ? listing.cursor : undefined;
  } while (cursor);
  return deleted;
}
