import type { PlanTier } from '@pixelflare/config';
import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bool, createdAt, timestamp, updatedAt } from './columns';

/** A tenant. `slug` is the owner segment of public URLs and never changes once given. */
export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull(),
    email: text('email'),
    displayName: text('display_name'),
    bio: text('bio'),
    website: text('website'),
    avatarUrl: text('avatar_url'),
    /** GitHub user name, shown on the public profile. */
    github: text('github'),
    /** The dashboard language the user chose (a BCP 47 tag from the i18n package's list); null = detect. */
    locale: text('locale'),
    isAdmin: bool('is_admin').notNull().default(false),
    plan: text('plan').$type<PlanTier>().notNull().default('free'),
    /** Stripe billing (STRIPE_ENABLED): the customer, and the subscription's status and current period end. */
    stripeCustomerId: text('stripe_customer_id'),
    subscriptionStatus: text('subscription_status'),
    subscriptionPeriodEnd: timestamp('subscription_period_end'),
    /** Per-user overrides of the plan's quotas; null means the plan's value. */
    quotaMaxImages: integer('quota_max_images'),
    quotaMaxBytes: integer('quota_max_bytes'),
    /** Running totals kept in step with images, so quota checks are one read. */
    imageCount: integer('image_count').notNull().default(0),
    storageBytes: integer('storage_bytes').notNull().default(0),
    /** Cloudflare Access subject hash, when signed in through Access. */
    accessSubjectHash: text('access_subject_hash'),
    authjsUserId: text('authjs_user_id'),
    /** Version of the tenant master key (encryption at rest); 0 = encryption never enabled. */
    encryptionKeyVersion: integer('encryption_key_version').notNull().default(0),
    /** Image understanding (labels, text, captions) for new uploads; colours and placeholders are always made. */
    aiAnalysis: bool('ai_analysis').notNull().default(true),
    disabledAt: timestamp('disabled_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('users_slug_unique').on(t.slug),
    uniqueIndex('users_email_unique').on(t.email),
    uniqueIndex('users_access_subject_unique').on(t.accessSubjectHash),
    uniqueIndex('users_authjs_user_unique').on(t.authjsUserId),
    uniqueIndex('users_stripe_customer_unique').on(t.stripeCustomerId),
  ],
);
