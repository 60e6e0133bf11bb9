import { AI_MODELS, SEARCH } from '@pixelflare/config';
import { imageAi, images, type Database, type Image } from '@pixelflare/database';
import type { SearchQuery } from '@pixelflare/shared';
import { and, eq, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { Logger } from '../../lib/logger';
import { inList } from '../../lib/sql';
import type { AiEngine } from '../ai/models';
import { ftsQuery, imageFilterConditions } from '../images/manage';
import type { VectorIndex, VectorMatch } from '../vectors/index';

export interface SearchDeps {
  db: Database;
  /** The AI engine that embeds the query, and the index of its embeddings; null for either: lexical only. */
  ai: AiEngine | null;
  vectors: VectorIndex | null;
  logger?: Pick<Logger, 'warn'>;
}

export interface SearchHitRow {
  image: Image;
  score: number;
  lexicalRank: number | null;
  semanticRank: number | null;
  similarity: number | null;
}

export interface SearchOutcome {
  hits: SearchHitRow[];
  mode: 'hybrid' | 'lexical';
  engine: AiEngine['name'] | null;
  embeddingModel: string | null;
  index: string | null;
}

/** The owner's best full-text matches by bm25 (FTS5's `rank`), best first. */
async function lexicalIds(db: Database, ownerId: string, q: string): Promise<string[]> {
  const match = ftsQuery(q);
  if (!match) return [];
  const rows = await db.all<{ id: string }>(
    sql`select image_id as id from images_fts where images_fts match ${match} and owner_id = ${ownerId} order by rank limit ${SEARCH.candidates}`,
  );
  return rows.map((row) => row.id);
}

/** The owner's images nearest to the query's embedding, above the model's similarity floor. */
async function semanticMatches(
  deps: SearchDeps,
  ownerId: string,
  q: string,
): Promise<{ matches: VectorMatch[]; model: string } | null> {
  if (!deps.ai || !deps.vectors) return null;
  const embedded = await deps.ai.run(AI_MODELS.embedding, { text: [q] });
  const values = embedded?.output.data[0];
  if (!embedded || !values || values.length !== deps.vectors.dimensions) return null;
  const matches = await deps.vectors.query(values, { owner: ownerId, topK: SEARCH.candidates });
  const floor = SEARCH.minSimilarity[deps.ai.name];
  return { matches: matches.filter((m) => m.score >= floor), model: embedded.model };
}

/** The search's filters beyond the listing's: faces and text found by analysis. */
function analysisConditions(query: SearchQuery): SQL[] {
  const conditions: SQL[] = [];
  const withFaces = sql`exists (select 1 from ${imageAi} where ${imageAi.imageId} = ${images.id} and json_array_length(coalesce(${imageAi.faces}, '[]')) > 0)`;
  const withText = sql`exists (select 1 from ${imageAi} where ${imageAi.imageId} = ${images.id} and ${imageAi.ocrText} is not null)`;
  if (query.has_faces !== undefined) conditions.push(query.has_faces ? withFaces : sql`not ${withFaces}`);
  if (query.has_text !== undefined) conditions.push(query.has_text ? withText : sql`not ${withText}`);
  return conditions;
}

/** The live, ready rows among `ids` that pass the filters (one query; the ids bound as one JSON array). */
async function filteredRows(
  db: Database,
  ownerId: string,
  ids: string[],
  query: SearchQuery,
): Promise<Map<string, Image>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select()
    .from(images)
    .where(
      and(
        eq(images.ownerId, ownerId),
        eq(images.status, 'ready'),
        isNull(images.deletedAt),
        inList(images.id, ids),
        ...imageFilterConditions(db, query),
        ...analysisConditions(query),
      ),
    );
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * Hybrid search of one owner's images: the FTS5 ranking (filenames, titles, alt, description, tags, labels,
 * captions, text found) and, with an AI engine, the ranking by similarity of the query's embedding to each
 * image's, merged by reciprocal rank fusion (score = Σ 1 / (k + rank), ranks counted after the filters). Without an
 * engine, or when it fails, the answer is lexical and says so.
 */
export async function searchImages(
  deps: SearchDeps,
  ownerId: string,
  query: SearchQuery,
): Promise<SearchOutcome> {
  const lexicalPromise = lexicalIds(deps.db, ownerId, query.q);
  let semantic: Awaited<ReturnType<typeof semanticMatches>> = null;
  try {
    semantic = await semanticMatches(deps, ownerId, query.q);
  } catch (error) {
    // A search still answers when the engine is down: lexically, saying so.
    deps.logger?.warn('semantic search unavailable, answering lexically', { error: String(error) });
  }
  const lexical = await lexicalPromise;
  const semanticIds = semantic?.matches.map((m) => m.id) ?? [];
  const rows = await filteredRows(deps.db, ownerId, [...new Set([...lexical, ...semanticIds])], query);

  const hits = new Map<string, SearchHitRow>();
  const hitOf = (id: string) => {
    let hit = hits.get(id);
    if (!hit)
      hits.set(
        id,
        (hit = { image: rows.get(id)!, score: 0, lexicalRank: null, semanticRank: null, similarity: null }),
      );
    return hit;
  };
  lexical
    .filter((id) => rows.has(id))
    .forEach((id, at) => {
      const hit = hitOf(id);
      hit.lexicalRank = at + 1;
      hit.score += 1 / (SEARCH.rrfK + at + 1);
    });
  (semantic?.matches ?? [])
    .filter((m) => rows.has(m.id))
    .forEach((match, at) => {
      const hit = hitOf(match.id);
      hit.semanticRank = at + 1;
      hit.similarity = match.score;
      hit.score += 1 / (SEARCH.rrfK + at + 1);
    });
  const ranked = [...hits.values()]
    .sort(
      (a, b) =>
        b.score - a.score ||
        (a.lexicalRank ?? Infinity) - (b.lexicalRank ?? Infinity) ||
        a.image.id.localeCompare(b.image.id),
    )
    .slice(0, query.limit)
    .map((hit) => ({ ...hit, score: Math.round(hit.score * 1e6) / 1e6 }));
  return {
    hits: ranked,
    mode: semantic ? 'hybrid' : 'lexical',
    engine: semantic ? deps.ai!.name : null,
    embeddingModel: semantic?.model ?? null,
    index: semantic ? deps.vectors!.name : null,
  };
}

export interface SimilarOutcome {
  hits: { image: Image; similarity: number }[];
  available: boolean;
  engine: AiEngine['name'] | null;
  index: string | null;
  embeddingModel: string | null;
}

/**
 * "More like this": the owner's images whose embeddings are nearest the image's own (read back from the index),
 * itself left out. Not available when the image has no vector there (never analysed by this engine, analysis off).
 */
export async function similarImages(
  deps: Pick<SearchDeps, 'db' | 'vectors' | 'ai'>,
  image: Image,
  limit: number,
): Promise<SimilarOutcome> {
  const none: SimilarOutcome = {
    hits: [],
    available: false,
    engine: null,
    index: null,
    embeddingModel: null,
  };
  if (!deps.vectors || !deps.ai) return none;
  const [own] = (await deps.vectors.getByIds([image.id])).filter((v) => v.owner === image.ownerId);
  const stored = await deps.db
    .select({ model: imageAi.embeddingModel })
    .from(imageAi)
    .where(and(eq(imageAi.imageId, image.id), isNotNull(imageAi.embeddingIndex)))
    .get();
  if (!own) return none;
  const matches = (
    await deps.vectors.query(own.values, { owner: image.ownerId, topK: Math.min(100, limit + 1) })
  ).filter((m) => m.id !== image.id);
  const rows = await filteredRows(
    deps.db,
    image.ownerId,
    matches.map((m) => m.id),
    { q: '', limit },
  );
  return {
    hits: matches
      .filter((m) => rows.has(m.id))
      .slice(0, limit)
      .map((m) => ({ image: rows.get(m.id)!, similarity: m.score })),
    available: true,
    engine: deps.ai.name,
    index: deps.vectors.name,
    embeddingModel: stored?.model ?? null,
  };
}
