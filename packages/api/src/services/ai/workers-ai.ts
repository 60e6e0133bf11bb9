import { AI_ANALYSIS, AI_MODELS } from '@pixelflare/config';
import {
  AiEngineError,
  type AiEngine,
  type AiInput,
  type AiModel,
  type AiOutput,
  type AiResult,
} from './models';

/** The part of the `AI` binding the adapter uses (Cloudflare's `Ai` has it; a test's stand-in implements only it). */
export interface AiRunner {
  run(model: string, input: Record<string, unknown>): Promise<unknown>;
}

function fail(model: string, error: unknown): never {
  throw new AiEngineError(`Workers AI ${model} failed: ${String(error)}`);
}

/** Checks an answer has the documented shape: a changed model must fail loudly, not store nonsense. */
function shaped<M extends AiModel>(model: M, output: unknown): AiOutput<M> {
  const isLabel = (item: unknown) =>
    typeof item === 'object' &&
    item !== null &&
    typeof (item as { label?: unknown }).label === 'string' &&
    typeof (item as { score?: unknown }).score === 'number';
  let ok: boolean;
  if (model === AI_MODELS.labels) ok = Array.isArray(output) && output.every(isLabel);
  else if (model === AI_MODELS.objects)
    ok =
      Array.isArray(output) &&
      output.every((item) => isLabel(item) && typeof (item as { box?: unknown }).box === 'object');
  else if (model === AI_MODELS.embedding) {
    const { shape, data } = (output ?? {}) as { shape?: unknown; data?: unknown };
    ok =
      Array.isArray(shape) &&
      shape.length === 2 &&
      Array.isArray(data) &&
      data.length === shape[0] &&
      data.every(
        (row) => Array.isArray(row) && row.length === shape[1] && row.every((v) => typeof v === 'number'),
      );
  } else ok = typeof (output as { description?: unknown } | null)?.description === 'string';
  if (!ok) fail(model, `unexpected answer ${JSON.stringify(output).slice(0, 200)}`);
  return output as AiOutput<M>;
}

/**
 * Workers AI over the `AI` binding. Every model is a Workers AI model except `pixelflare/ocr`, which Workers AI
 * does not have: it is answered by the vision model with a transcription prompt, without a confidence; and
 * `pixelflare/moderation`, which it has no equivalent for (no result).
 */
export function createWorkersAiEngine(ai: AiRunner): AiEngine {
  const call = async <M extends AiModel>(model: M, input: Record<string, unknown>) => {
    try {
      return shaped(model, await ai.run(model, input));
    } catch (error) {
      if (error instanceof AiEngineError) throw error;
      return fail(model, error);
    }
  };
  return {
    name: 'workers-ai',
    async run<M extends AiModel>(model: M, input: AiInput<M>): Promise<AiResult<M> | null> {
      // Workers AI has no image moderation model: no score, not a failure.
      if (model === AI_MODELS.moderation) return null;
      if (model === AI_MODELS.ocr) {
        const vision = AI_MODELS.caption;
        const { description } = await call(vision, {
          image: (input as AiInput<typeof AI_MODELS.ocr>).image,
          prompt: AI_ANALYSIS.ocrPrompt,
          max_tokens: 256,
        });
        const output: AiOutput<typeof AI_MODELS.ocr> = { text: description.trim(), confidence: null };
        return { output: output as AiOutput<M>, model: `${vision} (transcription prompt)` };
      }
      return { output: await call(model, input as Record<string, unknown>), model };
    },
  };
}
