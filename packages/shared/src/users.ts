import { API_SCOPES, LOCALE_CODES, PLAN_TIERS, type PlanTier } from '@pixelflare/config';
import { z } from 'zod';
import { CursorPaginationQuery, IsoDateTime, paginated } from './common';

export const PlanTierSchema = z.enum(PLAN_TIERS as [PlanTier, ...PlanTier[]]);

/** One of the dashboard's languages (packages/config LOCALES). */
export const LocaleSchema = z.enum(LOCALE_CODES).meta({ id: 'Locale' });

export const ProfileSchema = z
  .object({
    id: z.string(),
    slug: z.string().meta({ description: 'Owner segment of your public image URLs; never changes' }),
    email: z.string().nullable(),
    display_name: z.string().nullable(),
    bio: z.string().nullable(),
    website: z.string().nullable(),
    avatar_url: z.string().nullable(),
    github: z.string().nullable().meta({ description: 'GitHub user name, linked from the public profile' }),
    locale: LocaleSchema.nullable().meta({
      description: 'The dashboard language you chose (BCP 47); null = taken from your browser',
    }),
    is_admin: z.boolean(),
    ai_analysis: z.boolean().meta({
      description:
        'Image understanding (labels, text in images, captions) runs on your uploads when the server has an AI engine',
    }),
    plan: PlanTierSchema,
    image_count: z.number().int(),
    storage_bytes: z.number().int(),
    created_at: IsoDateTime,
    credential: z
      .object({
        via: z.enum(['api_key', 'session', 'access', 'dev']),
        scopes: z.array(z.enum(API_SCOPES)),
      })
      .optional()
      .meta({
        description:
          'What this request was made with and the scopes it carries (an API key: its own; a session: all), so a tool can offer what the key allows',
      }),
  })
  .meta({ id: 'Profile' });

const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();

export const ProfileUpdateSchema = z
  .object({
    display_name: optionalText(100),
    bio: optionalText(1000),
    website: z
      .url({ protocol: /^https?$/ })
      .max(500)
      .nullable()
      .optional(),
    avatar_url: z
      .url({ protocol: /^https$/ })
      .max(500)
      .nullable()
      .optional(),
    github: z
      .string()
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, 'a GitHub user name')
      .nullable()
      .optional(),
    locale: LocaleSchema.nullable().optional(),
    ai_analysis: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'ProfileUpdate' });

export const AccountDeletionSchema = z
  .object({
    confirm: z.string().max(64).meta({ description: 'Your owner name (slug), typed to confirm' }),
  })
  .strict()
  .meta({ id: 'AccountDeletion' });

export const AccountDeletionStatusSchema = z
  .object({
    status: z.literal('deleting'),
    message: z.string(),
  })
  .meta({ id: 'AccountDeletionStatus' });

export const AdminUserListQuery = CursorPaginationQuery;
export const AdminUserListSchema = paginated(ProfileSchema, 'AdminUserList');
export const AdminUserIdParam = z.object({ id: z.string().min(1).max(64) });
export const AdminPlanUpdateSchema = z.object({ plan: PlanTierSchema }).meta({ id: 'AdminPlanUpdate' });

export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileUpdate = z.infer<typeof ProfileUpdateSchema>;
