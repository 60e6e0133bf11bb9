import { EMBEDDING_MODEL, VECTORIZE_DIMENSIONS } from './vectorize';
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
  /** Text embeddings (768-d); the local engine answers with USE lite (512-d), so each has its own vector index. */
  embedding: '@cf/baai/bge-base-en-v1.5',
  /** Not a Workers AI model (it has none): the local engine's nsfwjs score; Workers AI answers nothing. */
  moderation: 'pixelflare/moderation',
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
  /**
   * A moderation score (Porn + Hentai, 0–1) at or above this flags the image `nsfw` for review (it leaves public
   * pages; nothing is deleted). High because the local model is weak: colour noise scores 0.75.
   */
  nsfwThreshold: 0.9,
  /** Images one backfill message looks at (and at most queues analyses for) before it queues the next page. */
  backfillBatch: 50,
  /** Named when a caption was composed from labels and text found, not written by a captioning model. */
  composedCaptionModel: 'composed locally from labels and text',
} as const;

/** Semantic search: text embeddings of each image's analysis in a vector index, merged with FTS5 by RRF. */
export const SEARCH = {
  /** Reciprocal rank fusion's constant: a hit's score is the sum of 1 / (k + rank) over the lists it is in. */
  rrfK: 60,
  /** How many hits each list (lexical, semantic) contributes before fusion. */
  candidates: 100,
  /** The most results one search answers. */
  maxLimit: 50,
  defaultLimit: 20,
  /** "More like this": neighbours answered. */
  similarLimit: 12,
  /**
   * Semantic hits below this cosine are dropped, per embedding model: every text is somewhat similar to every
   * other, and a search must not answer unrelated images. USE lite gives 0.4–0.8 to a paraphrase and under 0.3 to
   * unrelated text (measured: docs, Image understanding); bge gives higher scores throughout.
   */
  minSimilarity: { local: 0.3, 'workers-ai': 0.6 } as Record<'local' | 'workers-ai', number>,
  /** The longest text embedded for an image (caption, labels, text found, title, alt, tags). */
  maxEmbedChars: 2000,
} as const;

/**
 * The vector index each engine's embeddings live in. Vectors of different models never share one: the name says
 * the model and the dimension. In production the `VECTORIZE` binding must be an index created for bge-base (768,
 * cosine) with a metadata index on `owner` (docs: Image understanding).
 */
export const VECTOR_INDEXES = {
  'workers-ai': {
    name: `pixelflare-images-${EMBEDDING_MODEL.split('/').at(-1)}-${VECTORIZE_DIMENSIONS}`,
    dimensions: VECTORIZE_DIMENSIONS,
  },
  local: { name: 'use-lite-512', dimensions: 512 },
} as const;
