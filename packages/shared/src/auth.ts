import { z } from 'zod';

/**
 * `GET /auth/providers`: how people sign in here. `none` is local development (no sign-in, a dev user picker);
 * `authjs` lists the configured OAuth/OpenID providers; `cloudflare` means Cloudflare Access signs people in.
 */
export const SignInProvidersSchema = z.object({
  mode: z.enum(['authjs', 'cloudflare', 'none']),
  providers: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type SignInProviders = z.infer<typeof SignInProvidersSchema>;

/** `GET /auth/csrf` (Auth.js): the token a sign-in form posts back with `POST /auth/signin/{provider}`. */
export const CsrfTokenSchema = z.object({ csrfToken: z.string().min(1) });
