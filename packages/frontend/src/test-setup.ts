// Unit tests run outside the app's layout, which loads the page's language: they get English.
import { addMessages, setLocale } from '@pixelflare/i18n';
import en from '@pixelflare/i18n/messages/en.json';

addMessages('en', en);
setLocale('en');
