import { z } from 'zod';
import { ProfileSchema } from './users';

/**
 * `GET /auth/providers`: how people sign in here. `none` is local development (no sign-in, a dev user picker);
 * `authjs` lists the configured OAuth/OpenID providers; `cloudflare` means Cloudflare Access signs people in.
 */
export const SignInProvidersSchema = z.object({
  mode: z.enum(['authjs', 'cloudflare', 'none']),
  providers: z.array(z.object({ id: z.string(), name: z.string() })),
  /** Cloudflare Turnstile's site key when bot protection is on: the dashboard then shows the widget. */
  turnstile_site_key: z.string().nullable().default(null),
  /**
   * The widget's script to load with it (Cloudflare's; a stand-in only where TURNSTILE_SCRIPT_URL says so, in tests
   * and local development). Null when bot protection is off: then no script is loaded.
   */
  turnstile_script_url: z.string().nullable().default(null),
});
export type SignInProviders = z.infer<typeof SignInProvidersSchema>;

/** `GET /auth/csrf` (Auth.js): the token a sign-in form posts back with `POST /auth/signin/{provider}`. */
export const CsrfTokenSchema = z.object({ csrfToken: z.string().min(1) });

/** `GET /auth/session`: who the browser is signed in as, and how; the user is the `/v1/me` profile. */
export const SessionSchema = z.object({
  authenticated: z.boolean(),
  mode: SignInProvidersSchema.shape.mode,
  via: z.enum(['session', 'access', 'dev', 'api_key']).nullable(),
  user: ProfileSchema.nullable(),
});
export type Session = z.infer<typeof SessionSchema>;
