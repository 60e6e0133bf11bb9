/**
 * Image understanding: colours and placeholders (always made) and the AI engine's settings.
 */

/** The named colours `?color=` filters on; each image gets the names of the colours it shows enough of. */
export const COLOR_NAMES = [
  'red',
  'orange',
  'yellow',
  'green',
  'teal',
  'blue',
  'purple',
  'pink',
  'brown',
  'black',
  'gray',
  'white',
] as const;
export type ColorName = (typeof COLOR_NAMES)[number];

export const COLOR_ANALYSIS = {
  /** The longest side of the copy colours and the ThumbHash are computed from (ThumbHash takes at most 100). */
  sampleSize: 100,
  /** Palette entries kept, largest share first. */
  paletteSize: 5,
  /** A palette colour smaller than this share of the picture is left out. */
  minPaletteShare: 0.03,
  /** A colour name is given when its colours cover at least this share of the picture. */
  minNameShare: 0.15,
} as const;
