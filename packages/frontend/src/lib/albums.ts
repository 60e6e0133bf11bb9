import { t } from '@pixelflare/i18n';
import type { AlbumResource, AlbumUpdate } from '@pixelflare/shared';
import { ApiError } from './api/client';
import { errorMessage } from './errors';

/** What the album editor's fields hold. */
export interface AlbumDraft {
  title: string;
  description: string;
  visibility: AlbumResource['visibility'];
  cover_image_id: string | null;
  /** The named transform (drawing a watermark) forced on every public URL of the album, or null. */
  forced_transform: string | null;
}

export const draftOf = (album: AlbumResource): AlbumDraft => ({
  title: album.title,
  description: album.description ?? '',
  visibility: album.visibility,
  cover_image_id: album.cover_image_id,
  forced_transform: album.forced_transform,
});

/** Only what the editor changed, so a save never overwrites more than it should; an emptied description is cleared. */
export function albumChanges(album: AlbumResource, draft: AlbumDraft): AlbumUpdate {
  const changes: AlbumUpdate = {};
  const title = draft.title.trim();
  const description = draft.description.trim() || null;
  if (title !== album.title) changes.title = title;
  if (description !== album.description) changes.description = description;
  if (draft.visibility !== album.visibility) changes.visibility = draft.visibility;
  if (draft.cover_image_id !== album.cover_image_id) changes.cover_image_id = draft.cover_image_id;
  if (draft.forced_transform !== album.forced_transform) changes.forced_transform = draft.forced_transform;
  return changes;
}

/** A refused save in words, from the field the API names (a cover that is not one of the owner's images, a bad title). */
export function albumErrorMessage(error: unknown): string {
  if (error instanceof ApiError && error.code === 'VALIDATION_FAILED') {
    const refused = (field: string) => error.issues.some((issue) => issue.path.startsWith(field));
    if (refused('cover_image_id')) return t('albums.cover_refused');
    if (refused('title')) return t('albums.title_invalid');
    if (refused('forced_transform')) return t('albums.forced_watermark_refused');
  }
  return errorMessage(error);
}
