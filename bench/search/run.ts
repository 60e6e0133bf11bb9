// Search quality and analysis cost, end to end: a real Worker (`wrangler dev --local`, AI_ENGINE=local) beside the
// real local AI engine (packages/ai-local, outbound fetch blocked). A labelled set of 25 generated text images (5
// topics × 5, file names that say nothing) is uploaded and analysed by the product's own queue job; then each query
// of a labelled list goes to GET /v1/search, and precision at 5 is printed for the lexical ranking (the FTS5 list:
// the hits with a `lexical_rank`, in that order) beside the hybrid one (the answer's order: RRF of both lists).
// Last, the analysis time per image per model, timed against the engine directly.
// Run from the repository root: `pnpm --filter @pixelflare/bench search`. Uses its own temporary local state.
import { spawnAiLocal } from '../../packages/ai-local/src/spawn';
import { textImage } from '../../packages/ai-local/test/text-image';
import { localState, printHeader, readDevVars, waitUntil } from '../lib/runner.mjs';

const TOPICS: Record<string, string[]> = {
  money: [
    'Invoice 2026 total 42 EUR',
    'Receipt amount paid 18 USD',
    'Bill due date March 14',
    'Payment received thank you',
    'Tax invoice number 1938',
  ],
  beach: [
    'Sunset over the ocean beach',
    'Summer holiday by the sea',
    'Palm trees and white sand',
    'Surfing lessons at the coast',
    'Seaside hotel with pool',
  ],
  code: [
    'Python source code editor',
    'function main returns zero',
    'git commit merge conflict',
    'JavaScript build failed',
    'npm install dependencies',
  ],
  food: [
    'Chocolate cake recipe',
    'Pasta with tomato sauce',
    'Fresh bread from the bakery',
    'Vegetable soup for dinner',
    'Pancakes with maple syrup',
  ],
  meetings: [
    'Team meeting at 10 am',
    'Quarterly planning agenda',
    'Conference call with client',
    'Project kickoff workshop',
    'Weekly standup notes',
  ],
};

/** Queries with the topic whose images are the relevant ones. Some share words with them, most do not. */
const QUERIES: [string, string][] = [
  ['invoice', 'money'],
  ['bill payment', 'money'],
  ['money spent', 'money'],
  ['vacation at the beach', 'beach'],
  ['ocean', 'beach'],
  ['programming', 'code'],
  ['software bug', 'code'],
  ['something to eat', 'food'],
  ['dessert', 'food'],
  ['work discussion', 'meetings'],
  ['schedule', 'meetings'],
  ['meeting', 'meetings'],
];

interface Hit {
  id: string;
  search: { lexical_rank: number | null };
}

const ai = await spawnAiLocal();
const local = await localState('search');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
try {
  printHeader('bench search: precision at 5, lexical beside hybrid; analysis time per model');
  local.migrate();
  local.addUser({ id: 'usr_bench', slug: 'bench', plan: 'pro' });
  const key = local.addApiKey({ ownerId: 'usr_bench', scopes: ['images:read', 'images:write'] });
  const auth = { Authorization: `Bearer ${key}` };
  const vars = {
    ...readDevVars(),
    RATE_LIMIT_ENABLED: 'false',
    PUBLIC_API_URL: local.base,
    AI_ENGINE: 'local',
    AI_LOCAL_URL: ai.url,
  };
  await local.startWorker({ vars, ready: '/v1/status' });

  const topicOf = new Map<string, string>();
  const bytesOf = new Map<string, Uint8Array>();
  let n = 0;
  for (const [topic, texts] of Object.entries(TOPICS))
    for (const text of texts) {
      const bytes = textImage(text, 1100);
      const form = new FormData();
      form.set('file', new File([bytes], `scan-${String(++n).padStart(2, '0')}.png`));
      const response = await fetch(`${local.base}/v1/upload`, { method: 'POST', headers: auth, body: form });
      if (response.status !== 201) throw new Error(`upload: ${response.status} ${await response.text()}`);
      const { id } = (await response.json()) as { id: string };
      topicOf.set(id, topic);
      bytesOf.set(id, bytes);
    }
  const started = Date.now();
  await waitUntil(
    'every analysis',
    async () => {
      for (const id of topicOf.keys()) {
        const analysis = (await (
          await fetch(`${local.base}/v1/images/${id}/analysis`, { headers: auth })
        ).json()) as { status: string; embedding: { index: string | null } };
        if (analysis.status !== 'done' || !analysis.embedding.index) return false;
      }
      return true;
    },
    20 * 60_000,
    1000,
  );
  console.log(
    `${topicOf.size} images uploaded and analysed by the queue in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );

  const precision = (ids: string[], topic: string) =>
    ids.slice(0, 5).filter((id) => topicOf.get(id) === topic).length / 5;
  const rows: [string, number, number][] = [];
  for (const [query, topic] of QUERIES) {
    const answer = (await (
      await fetch(`${local.base}/v1/search?q=${encodeURIComponent(query)}&limit=50`, { headers: auth })
    ).json()) as { data: Hit[]; mode: string };
    if (answer.mode !== 'hybrid') throw new Error(`search answered ${answer.mode}`);
    const lexical = answer.data
      .filter((hit) => hit.search.lexical_rank !== null)
      .sort((a, b) => a.search.lexical_rank! - b.search.lexical_rank!)
      .map((hit) => hit.id);
    rows.push([
      query,
      precision(lexical, topic),
      precision(
        answer.data.map((hit) => hit.id),
        topic,
      ),
    ]);
  }
  console.log(`\n${'query'.padEnd(26)}${'lexical P@5'.padStart(13)}${'hybrid P@5'.padStart(13)}`);
  for (const [query, lexical, hybrid] of rows)
    console.log(`${query.padEnd(26)}${lexical.toFixed(2).padStart(13)}${hybrid.toFixed(2).padStart(13)}`);
  const mean = (i: 1 | 2) => rows.reduce((sum, row) => sum + row[i], 0) / rows.length;
  console.log(`${'mean'.padEnd(26)}${mean(1).toFixed(2).padStart(13)}${mean(2).toFixed(2).padStart(13)}`);

  // Per model, per image: one call each on 10 of the images (models warm: the queue just ran them all).
  const models: [string, (id: string) => unknown][] = [
    ['pixelflare/ocr', (id) => ({ image: [...bytesOf.get(id)!] })],
    ['@cf/facebook/detr-resnet-50', (id) => ({ image: [...bytesOf.get(id)!] })],
    ['pixelflare/moderation', (id) => ({ image: [...bytesOf.get(id)!] })],
    ['@cf/baai/bge-base-en-v1.5', (id) => ({ text: [`Text: ${TOPICS[topicOf.get(id)!]![0]}`] })],
  ];
  console.log(
    `\n${'model (local engine)'.padEnd(36)}${'median ms'.padStart(11)}${'max ms'.padStart(9)}  answered by`,
  );
  for (const [model, input] of models) {
    const times: number[] = [];
    let by = '';
    for (const id of [...topicOf.keys()].slice(0, 10)) {
      const t = performance.now();
      const response = await fetch(`${ai.url}/run/${encodeURIComponent(model)}`, {
        method: 'POST',
        body: JSON.stringify(input(id)),
      });
      by = ((await response.json()) as { model: string }).model;
      times.push(performance.now() - t);
    }
    console.log(
      `${model.padEnd(36)}${median(times).toFixed(0).padStart(11)}${Math.max(...times)
        .toFixed(0)
        .padStart(9)}  ${by}`,
    );
  }
} finally {
  local.cleanup();
  await ai.stop();
}
