import { t } from '@pixelflare/i18n';
import { ProfileUpdateSchema, type FieldIssue, type Profile, type ProfileUpdate } from '@pixelflare/shared';

export const PROFILE_FIELDS = ['display_name', 'bio', 'website', 'github', 'avatar_url'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];
export type ProfileForm = Record<ProfileField, string>;
export type ProfileProblems = Partial<Record<ProfileField, string>>;

export const profileForm = (profile: Profile): ProfileForm => ({
  display_name: profile.display_name ?? '',
  bio: profile.bio ?? '',
  website: profile.website ?? '',
  github: profile.github ?? '',
  avatar_url: profile.avatar_url ?? '',
});

// What each field needs, in words; the API's own issue messages are for developers.
const problemText = (): Record<ProfileField, string> => ({
  display_name: t('profile.invalid.display_name'),
  bio: t('profile.invalid.bio'),
  website: t('profile.invalid.website'),
  github: t('profile.invalid.github'),
  avatar_url: t('profile.invalid.avatar_url'),
});

/** Words failing fields, from the shared schema's issues or the API's `VALIDATION_FAILED` issues. */
export function profileProblems(issues: readonly (FieldIssue | { path: PropertyKey[] })[]): ProfileProblems {
  const text = problemText();
  const problems: ProfileProblems = {};
  for (const issue of issues) {
    const field = String(Array.isArray(issue.path) ? issue.path[0] : issue.path).split('.')[0];
    if (field && field in text) problems[field as ProfileField] = text[field as ProfileField];
  }
  return problems;
}

/**
 * The PATCH body for a filled-in form (trimmed; an emptied field clears it), checked against the same schema the
 * API uses, so most mistakes are shown before anything is sent.
 */
export function profileUpdate(form: ProfileForm): { update: ProfileUpdate } | { problems: ProfileProblems } {
  const body = Object.fromEntries(
    PROFILE_FIELDS.map((field) => [field, form[field].trim() === '' ? null : form[field].trim()]),
  );
  const parsed = ProfileUpdateSchema.safeParse(body);
  return parsed.success ? { update: parsed.data } : { problems: profileProblems(parsed.error.issues) };
}
