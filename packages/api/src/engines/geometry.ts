import type { ResolvedTransform } from '@pixelflare/shared';

export interface Size {
  width: number;
  height: number;
}

/** Where the source is scaled to (`scaled`) and which box of it is kept (`canvas`, with `offset`). */
export interface Layout {
  /** The whole source resized to this. */
  scaled: Size;
  /** The output's size. */
  canvas: Size;
  /** Top-left of the scaled image on the canvas (negative when cropping, positive when padding). */
  offset: { x: number; y: number };
}

const round = (value: number) => Math.max(1, Math.round(value));

/** Where the gravity puts the kept box along one axis: 0 = start, 0.5 = centre, 1 = end. */
function anchor(gravity: ResolvedTransform['gravity'], axis: 'x' | 'y'): number {
  if (typeof gravity === 'object') return gravity[axis];
  if (axis === 'x') return gravity === 'left' ? 0 : gravity === 'right' ? 1 : 0.5;
  return gravity === 'top' ? 0 : gravity === 'bottom' ? 1 : 0.5;
}

/**
 * The output geometry of a transform for an (already upright) source, with the semantics of Cloudflare Images:
 * scale-down and contain fit inside the box (scale-down never enlarges), cover fills it and crops, crop is
 * cover that never enlarges, pad is contain padded to the box, squeeze stretches to it.
 */
export function layoutFor(source: Size, transform: ResolvedTransform): Layout {
  const { width: boxW, height: boxH, fit } = transform;
  const identity = { scaled: source, canvas: source, offset: { x: 0, y: 0 } };
  if (boxW === undefined && boxH === undefined) return identity;
  const ratioW = boxW === undefined ? Infinity : boxW / source.width;
  const ratioH = boxH === undefined ? Infinity : boxH / source.height;
  const inside = Math.min(ratioW, ratioH);
  if (fit === 'squeeze') {
    const size = {
      width: boxW ?? round(source.width * inside),
      height: boxH ?? round(source.height * inside),
    };
    return { scaled: size, canvas: size, offset: { x: 0, y: 0 } };
  }
  if (
    fit === 'scale-down' ||
    fit === 'contain' ||
    fit === 'pad' ||
    boxW === undefined ||
    boxH === undefined
  ) {
    const scale = fit === 'scale-down' || fit === 'crop' ? Math.min(1, inside) : inside;
    const scaled = { width: round(source.width * scale), height: round(source.height * scale) };
    if (fit !== 'pad' || boxW === undefined || boxH === undefined)
      return { scaled, canvas: scaled, offset: { x: 0, y: 0 } };
    return {
      scaled,
      canvas: { width: boxW, height: boxH },
      offset: { x: Math.floor((boxW - scaled.width) / 2), y: Math.floor((boxH - scaled.height) / 2) },
    };
  }
  const coverScale = Math.max(ratioW, ratioH);
  const scale = fit === 'crop' ? Math.min(1, coverScale) : coverScale;
  const scaled = { width: round(source.width * scale), height: round(source.height * scale) };
  const canvas = { width: Math.min(boxW, scaled.width), height: Math.min(boxH, scaled.height) };
  const place = (scaledLength: number, canvasLength: number, a: number) => {
    const centre = scaledLength * a;
    const start = Math.min(Math.max(0, centre - canvasLength / 2), scaledLength - canvasLength);
    return 0 - Math.round(start);
  };
  return {
    scaled,
    canvas,
    offset: {
      x: place(scaled.width, canvas.width, anchor(transform.gravity, 'x')),
      y: place(scaled.height, canvas.height, anchor(transform.gravity, 'y')),
    },
  };
}

/** The source's upright size after a `rotate` of 90 or 270 degrees swaps its sides. */
export function rotatedSize(size: Size, rotate?: number): Size {
  return rotate === 90 || rotate === 270 ? { width: size.height, height: size.width } : size;
}
