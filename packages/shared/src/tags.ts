import { z } from 'zod';
import { TagName } from './images';

export const TagSchema = z
  .object({
    name: z.string(),
    count: z.number().int().meta({ description: 'Images (not in trash) with this tag' }),
  })
  .meta({ id: 'Tag' });

export const TagListSchema = z.object({ data: z.array(TagSchema) }).meta({ id: 'TagList' });

export const TagParam = z.object({ name: z.string().min(1).max(64) });

export const TagRenameSchema = z.object({ name: TagName }).meta({ id: 'TagRename' });

export const TagMergeSchema = z
  .object({ into: TagName.meta({ description: 'The tag that receives the images; created if missing' }) })
  .meta({ id: 'TagMerge' });
