// Who keeps the Worker's new objects alive: a short burst of uploads and listings against wrangler dev (its own
// temporary state, a snapshot of the committed tree), a heap snapshot, more of the same traffic, a second
// snapshot; then, for the kinds of object that appeared in between (V8 keeps object ids across snapshots of one
// session), their retainer chains, most common first. This is how the exifr options cache was found (see
// packages/docs/guide/reliability.md, "Long runs"). `pnpm --filter @pixelflare/bench soak:retainers [-- upload|mixed]`.
import { randomBytes } from 'node:crypto';
import { localState, readDevVars, freePort } from '../lib/runner.mjs';
import { Inspector } from '../lib/inspector.mjs';
import { png } from '../lib/images.mjs';
const local = await localState('ret', { snapshot: true });
local.migrate();
local.addUser({ id: 'usr_soak', slug: 'soak', plan: 'pro' });
const key = local.addApiKey({ ownerId: 'usr_soak', scopes: ['images:read', 'images:write'] });
const auth = { Authorization: `Bearer ${key}` };
const port = await freePort();
const worker = await local.startWorker({
  vars: { ...readDevVars(), RATE_LIMIT_ENABLED: 'false', PUBLIC_API_URL: local.base },
  inspectorPort: port,
  ready: '/v1/status',
});
const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
const insp = await Inspector.connect(targets[0].webSocketDebuggerUrl, {
  headers: { Origin: `http://127.0.0.1:${port}` },
});
const mode = process.argv.slice(2).find((arg) => arg !== '--') ?? 'mixed';
async function traffic(n) {
  let i = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (i++ < n) {
        if (mode === 'upload' || (mode === 'mixed' && i % 2)) {
          const side = 32;
          const img = png(side, side, {
            rows: Buffer.concat(
              Array.from({ length: side }, () => Buffer.concat([Buffer.from([0]), randomBytes(side * 3)])),
            ),
          });
          const form = new FormData();
          form.set('file', new Blob([img], { type: 'image/png' }), `r-${randomBytes(6).toString('hex')}.png`);
          await (
            await fetch(`${local.base}/v1/upload`, { method: 'POST', headers: auth, body: form })
          ).arrayBuffer();
        } else {
          await (await fetch(`${local.base}/v1/images?limit=50`, { headers: auth })).arrayBuffer();
        }
      }
    }),
  );
}
async function snap() {
  const chunks = [];
  insp.listeners.set('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => chunks.push(chunk));
  await insp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, 600_000);
  return JSON.parse(chunks.join(''));
}
await traffic(150);
const a = await snap();
const idAt = a.snapshot.meta.node_fields.indexOf('id');
const W = a.snapshot.meta.node_fields.length;
let maxId = 0;
for (let i = 0; i < a.nodes.length; i += W) maxId = Math.max(maxId, a.nodes[i + idAt]);
console.log('A total', a.nodes.length / W);
await traffic(400);
const b = await snap();
insp.close();
await local.stopWorker(worker);
local.cleanup();
// analysis
const m = b.snapshot.meta,
  F = m.node_fields,
  N = F.length,
  E = m.edge_fields.length;
const T = F.indexOf('type'),
  NM = F.indexOf('name'),
  ID = F.indexOf('id'),
  SZ = F.indexOf('self_size'),
  EC = F.indexOf('edge_count');
const ET = m.edge_fields.indexOf('type'),
  EN = m.edge_fields.indexOf('name_or_index'),
  ETO = m.edge_fields.indexOf('to_node');
const ntypes = m.node_types[T],
  etypes = m.edge_types[ET];
const nodes = b.nodes,
  edges = b.edges,
  S = b.strings;
const count = nodes.length / N;
const retainers = Array.from({ length: count }, () => []);
let e = 0;
for (let n = 0; n < count; n++) {
  const ec = nodes[n * N + EC];
  for (let k = 0; k < ec; k++, e += E) {
    const to = edges[e + ETO] / N;
    const et = etypes[edges[e + ET]];
    if (et === 'weak') continue;
    const name = et === 'element' || et === 'hidden' ? `[${edges[e + EN]}]` : S[edges[e + EN]];
    retainers[to].push([n, `${et}:${name}`]);
  }
}
const label = (n) => `${ntypes[nodes[n * N + T]]} ${String(S[nodes[n * N + NM]]).slice(0, 50)}`;
const newOf = {};
for (let n = 0; n < count; n++) {
  if (nodes[n * N + ID] <= maxId) continue;
  const l = label(n);
  newOf[l] = newOf[l] ?? { c: 0, s: 0, ex: [] };
  newOf[l].c++;
  newOf[l].s += nodes[n * N + SZ];
  if (newOf[l].ex.length < 400) newOf[l].ex.push(n);
}
const top = Object.entries(newOf)
  .sort((x, y) => y[1].s - x[1].s)
  .slice(0, 8);
for (const [l, v] of top) {
  console.log(`\nNEW ${l}: ${v.c} objects, ${(v.s / 1024).toFixed(0)} KB`);
  const chains = {};
  for (const n of v.ex) {
    let cur = n;
    const parts = [];
    for (let d = 0; d < 6; d++) {
      const r = retainers[cur].find(([p]) => !label(p).startsWith('synthetic')) ?? retainers[cur][0];
      if (!r) break;
      parts.push(`${r[1]} <- ${label(r[0])}`);
      cur = r[0];
    }
    const c = parts.join(' | ');
    chains[c] = (chains[c] ?? 0) + 1;
  }
  for (const [c, k] of Object.entries(chains)
    .sort((x, y) => y[1] - x[1])
    .slice(0, 3))
    console.log(`  ${k}x ${c}`);
}
process.exit(0);
