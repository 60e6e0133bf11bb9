import type { AiModelId } from '@pixelflare/config';

/**
 * Input and output of each model analysis calls, as Workers AI documents them (an image is its bytes as an array of
 * numbers). Both engines take and give exactly these, so the analysis cannot tell them apart.
 */
// Extending the record makes a model id of AI_MODELS without a shape here a type error.
export interface AiModelShapes extends Record<AiModelId, { input: object; output: unknown }> {
  '@cf/microsoft/resnet-50': {
    input: { image: number[] };
    output: { label: string; score: number }[];
  };
  '@cf/facebook/detr-resnet-50': {
    input: { image: number[] };
    /** Boxes in pixels of the image sent. */
    output: {
      label: string;
      score: number;
      box: { xmin: number; ymin: number; xmax: number; ymax: number };
    }[];
  };
  '@cf/llava-hf/llava-1.5-7b-hf': {
    input: { image: number[]; prompt: string; max_tokens?: number };
    output: { description: string };
  };
  '@cf/baai/bge-base-en-v1.5': {
    input: { text: string[] };
    /** One vector per text: `shape` is [texts, dimensions] (768 from Workers AI, 512 from the local engine). */
    output: { shape: number[]; data: number[][] };
  };
  'pixelflare/moderation': {
    input: { image: number[] };
    /** The classifier's classes with their probabilities, and `nsfw` (0–1), the score the analysis compares. */
    output: { scores: { label: string; score: number }[]; nsfw: number };
  };
  'pixelflare/ocr': {
    input: { image: number[] };
    /** `confidence` is 0–100, or null when the model gives none (a vision model's transcription). */
    output: { text: string; confidence: number | null };
  };
}
export type AiModel = AiModelId;
export type AiInput<M extends AiModel> = AiModelShapes[M]['input'];
export type AiOutput<M extends AiModel> = AiModelShapes[M]['output'];

export type AiEngineName = 'workers-ai' | 'local';

export interface AiResult<M extends AiModel> {
  output: AiOutput<M>;
  /** The model that really answered: the Workers AI id, or the local engine's `local/<package>` substitute. */
  model: string;
}

/** One way of running the models: `env.AI` in production, the local engine's process on one machine. */
export interface AiEngine {
  readonly name: AiEngineName;
  /** Runs a model; null when this engine has no model for it (the analysis then goes without that result). */
  run<M extends AiModel>(model: M, input: AiInput<M>): Promise<AiResult<M> | null>;
}

/** A model call that failed (the service, not the image): the analysis message is retried. */
export class AiEngineError extends Error {
  override readonly name = 'AiEngineError';
}
