import { AI_ANALYSIS, AI_MODELS } from '@pixelflare/config';
import type { ImageBox } from '@pixelflare/database';
import type { AiEngine } from '../ai/models';

/** What the AI engine found in one image, each result with the model that produced it (null: none ran). */
export interface Understanding {
  engine: AiEngine['name'];
  labels: { label: string; score: number }[];
  labelsModel: string | null;
  faces: (ImageBox & { score: number })[];
  facesModel: string | null;
  focal: { x: number; y: number; source: 'faces' | 'object' } | null;
  ocrText: string | null;
  ocrConfidence: number | null;
  ocrModel: string | null;
  caption: string | null;
  captionModel: string | null;
  captionComposed: boolean;
  nsfwScore: number | null;
  nsfwModel: string | null;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

/** Words of two or more letters or digits: how much real text an OCR answer holds. */
const wordsIn = (text: string) => text.match(/[\p{L}\p{N}]{2,}/gu) ?? [];

/** Keeps OCR text only when it is confident and wordy enough; photos give low-confidence junk. */
function gatedText(output: { text: string; confidence: number | null }): string | null {
  const text = output.text.replace(/\s+/g, ' ').trim();
  if (wordsIn(text).length < AI_ANALYSIS.minOcrWords) return null;
  if (output.confidence !== null && output.confidence < AI_ANALYSIS.minOcrConfidence) return null;
  return text;
}

/** Each label once (its best score), strongest first, above the threshold. */
function bestLabels(found: { label: string; score: number }[]): { label: string; score: number }[] {
  const best = new Map<string, number>();
  for (const { label, score } of found)
    if (score >= AI_ANALYSIS.minLabelScore) best.set(label, Math.max(score, best.get(label) ?? 0));
  return [...best.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, AI_ANALYSIS.maxLabels)
    .map(([label, score]) => ({ label, score: round(score) }));
}

/** "3 people, a cup and a cell phone; text: “Invoice 2026”": a caption from what was detected and read. */
export function composeCaption(
  labels: { label: string }[],
  faces: number,
  text: string | null,
): string | null {
  const things = labels.filter((l) => l.label !== 'person' && l.label !== 'face').map((l) => `a ${l.label}`);
  if (faces > 0) things.unshift(faces === 1 ? 'a person' : `${faces} people`);
  else if (labels.some((l) => l.label === 'person')) things.unshift('a person');
  const list = things.length > 1 ? `${things.slice(0, -1).join(', ')} and ${things.at(-1)}` : things[0];
  const quoted = text ? `text: “${text.length > 120 ? `${text.slice(0, 117)}…` : text}”` : null;
  const parts = [list, quoted].filter(Boolean);
  if (parts.length === 0) return null;
  const sentence = parts.join('; ');
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/**
 * Runs the engine's models on a sample (JPEG bytes, `size` its pixels) and gathers the results. A model the
 * engine lacks leaves its result empty; a failing one throws. Without a captioning model the caption is composed
 * from the labels and the text, and says so (`captionComposed`).
 */
export async function understand(
  engine: AiEngine,
  sample: Uint8Array,
  size: { width: number; height: number },
): Promise<Understanding> {
  const image = [...sample];
  const objects = await engine.run(AI_MODELS.objects, { image });
  const classified = await engine.run(AI_MODELS.labels, { image });
  const ocr = await engine.run(AI_MODELS.ocr, { image });
  const captioned = await engine.run(AI_MODELS.caption, {
    image,
    prompt: AI_ANALYSIS.captionPrompt,
    max_tokens: 96,
  });
  const moderated = await engine.run(AI_MODELS.moderation, { image });

  const boxOf = (box: { xmin: number; ymin: number; xmax: number; ymax: number }): ImageBox => ({
    x: round(Math.max(0, box.xmin) / size.width),
    y: round(Math.max(0, box.ymin) / size.height),
    width: round((Math.min(size.width, box.xmax) - Math.max(0, box.xmin)) / size.width),
    height: round((Math.min(size.height, box.ymax) - Math.max(0, box.ymin)) / size.height),
  });
  const detections = objects?.output ?? [];
  const faces = detections
    .filter((o) => o.label === 'face' && o.score >= AI_ANALYSIS.minFaceScore)
    .map((o) => ({ ...boxOf(o.box), score: round(o.score) }));
  const things = detections.filter((o) => o.label !== 'face' && o.score >= AI_ANALYSIS.minObjectScore);
  const labels = bestLabels([...(classified?.output ?? []), ...things]);
  const labelsModel = [classified?.model, things.length ? objects?.model : undefined]
    .filter(Boolean)
    .join(' + ');

  let focal: Understanding['focal'] = null;
  if (faces.length > 0) {
    // The middle of the box around every face: a crop keeps them all when it can.
    const x0 = Math.min(...faces.map((f) => f.x));
    const y0 = Math.min(...faces.map((f) => f.y));
    const x1 = Math.max(...faces.map((f) => f.x + f.width));
    const y1 = Math.max(...faces.map((f) => f.y + f.height));
    focal = { x: round((x0 + x1) / 2), y: round((y0 + y1) / 2), source: 'faces' };
  } else if (things.length > 0) {
    const top = [...things].sort((a, b) => b.score - a.score)[0]!;
    const box = boxOf(top.box);
    focal = { x: round(box.x + box.width / 2), y: round(box.y + box.height / 2), source: 'object' };
  }

  const ocrText = ocr ? gatedText(ocr.output) : null;
  const modelCaption = captioned?.output.description.trim() || null;
  const caption = modelCaption ?? composeCaption(labels, faces.length, ocrText);
  return {
    engine: engine.name,
    labels,
    labelsModel: labelsModel || null,
    faces,
    facesModel: faces.length > 0 || objects ? (objects?.model ?? null) : null,
    focal,
    ocrText,
    ocrConfidence: ocrText && ocr?.output.confidence !== null ? (ocr?.output.confidence ?? null) : null,
    ocrModel: ocr?.model ?? null,
    caption,
    captionModel: modelCaption ? captioned!.model : caption ? AI_ANALYSIS.composedCaptionModel : null,
    captionComposed: !modelCaption && caption !== null,
    nsfwScore: moderated ? round(moderated.output.nsfw) : null,
    nsfwModel: moderated?.model ?? null,
  };
}
