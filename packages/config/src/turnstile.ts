/** Cloudflare Turnstile (optional bot protection, on when TURNSTILE_SITE_KEY and TURNSTILE_SECRET_KEY are set). */

/** Cloudflare's server-side token check (form-encoded POST). */
export const TURNSTILE_SITEVERIFY_URL = 'https://challenges.cloudflare.com/turnstile/v0/siteverify';
/** The widget's script; the dashboard loads it only when a site key is configured. */
export const TURNSTILE_SCRIPT_URL = 'https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit';
/** The origin a CSP must allow (script-src and frame-src) for the widget, when one is sent. */
export const TURNSTILE_ORIGIN = 'https://challenges.cloudflare.com';
/** Where a token may travel besides the body: tus creation and other non-JSON requests. */
export const TURNSTILE_TOKEN_HEADER = 'CF-Turnstile-Response';
/** The JSON body field of two-step uploads and API-key creation. */
export const TURNSTILE_TOKEN_FIELD = 'turnstile_token';
/** The hidden field the widget adds to the form it is rendered in (the sign-in form posts). */
export const TURNSTILE_FORM_FIELD = 'cf-turnstile-response';

/**
 * The widget's `action` for each protected step; the API refuses a token solved for another one, so a token from
 * the sign-in page cannot create an API key.
 */
export const TURNSTILE_ACTIONS = { upload: 'upload', apiKey: 'api-key', signIn: 'sign-in' } as const;
export type TurnstileAction = (typeof TURNSTILE_ACTIONS)[keyof typeof TURNSTILE_ACTIONS];
