import { api } from '$lib/api';

/** Bot protection as the API configures it (GET /auth/providers): null when it is off. */
export interface TurnstileConfig {
  siteKey: string;
  /** Cloudflare's api.js in production; the tests' stand-in only where the API's TURNSTILE_SCRIPT_URL says so. */
  scriptUrl: string;
}

/** The part of Cloudflare's `window.turnstile` the dashboard uses (explicit rendering). */
export interface TurnstileApi {
  render(
    container: HTMLElement,
    options: {
      sitekey: string;
      action: string;
      'response-field': boolean;
      theme: 'auto' | 'light' | 'dark';
      /** The widget's language (a lower-case tag such as `de` or `pt-br`); `auto` follows the browser. */
      language: string;
      callback: (token: string) => void;
      'expired-callback': () => void;
      'error-callback': (code: string) => void;
    },
  ): string;
  reset(widgetId: string): void;
  remove(widgetId: string): void;
}

declare global {
  interface Window {
    turnstile?: TurnstileApi;
  }
}

let config: Promise<TurnstileConfig | null> | undefined;

/** Asked once per page load; a failure is retried on the next call. */
export function turnstileConfig(): Promise<TurnstileConfig | null> {
  config ??= api.providers().then(
    ({ turnstile_site_key, turnstile_script_url }) =>
      turnstile_site_key && turnstile_script_url
        ? { siteKey: turnstile_site_key, scriptUrl: turnstile_script_url }
        : null,
    (error: unknown) => {
      config = undefined;
      throw error;
    },
  );
  return config;
}

const scripts = new Map<string, Promise<TurnstileApi>>();

/** Adds the widget's script to the page once; it is never loaded while bot protection is off. */
export function loadTurnstile(scriptUrl: string): Promise<TurnstileApi> {
  let loading = scripts.get(scriptUrl);
  if (!loading) {
    loading = new Promise<TurnstileApi>((resolve, reject) => {
      const script = document.createElement('script');
      script.src = scriptUrl;
      script.async = true;
      script.dataset.testid = 'turnstile-script';
      script.onload = () =>
        window.turnstile ? resolve(window.turnstile) : reject(new Error('Turnstile did not load'));
      script.onerror = () => {
        scripts.delete(scriptUrl);
        script.remove();
        reject(new Error('Turnstile could not be loaded'));
      };
      document.head.appendChild(script);
    });
    scripts.set(scriptUrl, loading);
  }
  return loading;
}

/**
 * Tokens from one widget, each handed out once (siteverify accepts a token once): after one is taken the widget is
 * reset for the next, and a caller waits for it. Uploads of several files take one each, in turn.
 */
export class TokenQueue {
  private current: string | null = null;
  private waiting: ((token: string) => void)[] = [];

  constructor(private readonly refresh: () => void) {}

  /** The widget solved a challenge. */
  offer(token: string): void {
    const next = this.waiting.shift();
    if (next) {
      next(token);
      this.refresh();
    } else {
      this.current = token;
    }
  }

  /** The token expired or the widget failed: wait for the next one. */
  drop(): void {
    this.current = null;
  }

  get ready(): boolean {
    return this.current !== null;
  }

  take(): Promise<string> {
    const token = this.current;
    if (token !== null) {
      this.current = null;
      this.refresh();
      return Promise.resolve(token);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
