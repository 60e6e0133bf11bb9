import { loadLocale } from '$lib/i18n';
import type { LayoutLoad } from './$types';

// The language's messages are loaded before the first render, on the server and again in the browser before it
// hydrates, so both render the same words.
export const load: LayoutLoad = async ({ data }) => {
  await loadLocale(data.locale);
  return data;
};
