import type { EnvVars } from '../../lib/env';
import { AppError } from '../../lib/errors';
import { createLocalAiEngine } from './local';
import type { AiEngine } from './models';
import { createWorkersAiEngine, type AiRunner } from './workers-ai';

/** The engine `AI_ENGINE` names; null when analysis is off. Workers AI without its binding is a misconfiguration. */
export function aiEngineFor(
  config: Pick<EnvVars, 'AI_ENGINE' | 'AI_LOCAL_URL'>,
  ai: AiRunner | undefined,
): AiEngine | null {
  if (config.AI_ENGINE === 'off') return null;
  if (config.AI_ENGINE === 'local') return createLocalAiEngine(config.AI_LOCAL_URL);
  if (!ai) throw new AppError(503, 'MISCONFIGURED', 'AI_ENGINE is workers-ai but no AI binding is bound');
  return createWorkersAiEngine(ai);
}
