/** The placeholder style is built by the one builder in @pixelflare/shared (the public pages use it too). */
export { placeholderStyle } from '@pixelflare/shared';
