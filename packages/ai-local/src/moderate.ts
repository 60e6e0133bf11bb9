import { PhotonImage, resize, SamplingFilter } from '@cf-wasm/photon/node';
import { modelThread } from './thread';

/**
 * A moderation score: nsfwjs's MobileNetV2 (weights inside the npm package), in its own thread. It is weak (the
 * offline study: colour noise scores 0.75 "Porn"), so the analysis only flags an image for review above a high
 * threshold and never deletes anything. Workers AI has no such model: this is the local engine's extra.
 */
export const MODERATION_MODEL = 'nsfwjs@4.4.0/mobilenet_v2';

export interface ModerationOutput {
  /** The five classes (Drawing, Hentai, Neutral, Porn, Sexy) with their probabilities. */
  scores: { label: string; score: number }[];
  /** Porn + Hentai: the score the analysis compares with its threshold. */
  nsfw: number;
}

const SIZE = 224;
const thread = modelThread<
  { rgb: Uint8Array; width: number; height: number },
  { predictions: { className: string; probability: number }[] }
>(new URL('./nsfw-worker.ts', import.meta.url));

export async function moderate(bytes: Uint8Array): Promise<ModerationOutput> {
  const image = PhotonImage.new_from_byteslice(bytes);
  const small = resize(image, SIZE, SIZE, SamplingFilter.Triangle);
  image.free();
  const rgba = small.get_raw_pixels();
  small.free();
  const rgb = new Uint8Array(SIZE * SIZE * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) rgb.set(rgba.subarray(i, i + 3), j);
  const { predictions } = await thread.call({ rgb, width: SIZE, height: SIZE });
  const round = (score: number) => Math.round(score * 1000) / 1000;
  const scores = predictions
    .map((p) => ({ label: p.className, score: round(p.probability) }))
    .sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
  const of = (label: string) => predictions.find((p) => p.className === label)?.probability ?? 0;
  return { scores, nsfw: round(of('Porn') + of('Hentai')) };
}

export const stopModeration = () => thread.stop();
