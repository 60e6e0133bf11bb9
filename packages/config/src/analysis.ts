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

/** `AI_ENGINE`: Workers AI (the `AI` binding), the local engine (packages/ai-local), or none. */
export const AI_ENGINES = ['workers-ai', 'local', 'off'] as const;
export type AiEngineChoice = (typeof AI_ENGINES)[number];

/**
 * The models analysis asks for, by Workers AI id, with Workers AI's input and output shapes. `pixelflare/ocr` is
 * not a Workers AI model: the Workers AI engine answers it with the vision model and a transcription prompt.
 */
export const AI_MODELS = {
  labels: '@cf/microsoft/resnet-50',
  objects: '@cf/facebook/detr-resnet-50',
  caption: '@cf/llava-hf/llava-1.5-7b-hf',
  ocr: 'pixelflare/ocr',
} as const;
export type AiModelId = (typeof AI_MODELS)[keyof typeof AI_MODELS];

/** Where `npm start` runs the local AI engine (8787 API, 5173 dashboard, 8791/8792 dev identity servers). */
export const AI_LOCAL_DEFAULT_URL = 'http://127.0.0.1:8793';

export const AI_ANALYSIS = {
  /** The longest side of the JPEG the models are shown. */
  sampleSize: 1024,
  /** Labels below this score are dropped; at most `maxLabels` are kept. */
  minLabelScore: 0.3,
  /**
   * Detections below these are dropped. The local face detector gives 0.3 to shapes in rendered text and 0.8–0.9 to
   * real faces; COCO objects in real photos score 0.35–0.65.
   */
  minFaceScore: 0.5,
  minObjectScore: 0.35,
  maxLabels: 10,
  /** Text found is kept only this confident (Tesseract's 0–100) and with this many words: photos give junk. */
  minOcrConfidence: 60,
  minOcrWords: 2,
  /** How long one model call may take before the analysis counts it failed (and the message retries). */
  timeoutMs: 60_000,
  captionPrompt: 'Describe this image in one sentence, for someone who cannot see it.',
  ocrPrompt:
    'Transcribe the text written in this image exactly. Answer with the text only, or nothing if there is none.',
  /** Named when a caption was composed from labels and text found, not written by a captioning model. */
  composedCaptionModel: 'composed locally from labels and text',
} as const;
