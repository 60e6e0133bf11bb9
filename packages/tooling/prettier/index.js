/** Shared Prettier settings for every package. */
export default {
  singleQuote: true,
  semi: true,
  trailingComma: 'all',
  printWidth: 110,
};
