import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { aiEngineFor } from '../../services/ai/select';
import { findImage, toImageResources } from '../../services/images/resource';
import { searchImages, similarImages } from '../../services/search/search';
import { vectorIndexFor } from '../../services/vectors/select';
import { imageViewOf } from '../images/images.context';
import type { searchRoute, similarImagesRoute } from './search.routes';

export const searchHandler: RouteHandler<typeof searchRoute, AppEnv> = async (c) => {
  const view = await imageViewOf(c);
  const config = c.get('config');
  const db = c.get('db');
  const outcome = await searchImages(
    {
      db,
      ai: aiEngineFor(config, c.env.AI),
      vectors: vectorIndexFor(config, c.env.VECTORIZE),
      logger: c.get('logger'),
    },
    view.ownerId,
    c.req.valid('query'),
  );
  const resources = await toImageResources(
    db,
    outcome.hits.map((hit) => hit.image),
    view,
  );
  return c.json(
    {
      data: resources.map((resource, at) => {
        const hit = outcome.hits[at]!;
        return {
          ...resource,
          search: {
            score: hit.score,
            lexical_rank: hit.lexicalRank,
            semantic_rank: hit.semanticRank,
            similarity: hit.similarity,
          },
        };
      }),
      mode: outcome.mode,
      engine: outcome.engine,
      embedding_model: outcome.embeddingModel,
      index: outcome.index,
    },
    200,
  );
};

export const similarImagesHandler: RouteHandler<typeof similarImagesRoute, AppEnv> = async (c) => {
  const view = await imageViewOf(c);
  const config = c.get('config');
  const db = c.get('db');
  const image = await findImage(db, view.ownerId, c.req.valid('param').id);
  const outcome = await similarImages(
    { db, ai: aiEngineFor(config, c.env.AI), vectors: vectorIndexFor(config, c.env.VECTORIZE) },
    image,
    c.req.valid('query').limit,
  );
  const resources = await toImageResources(
    db,
    outcome.hits.map((hit) => hit.image),
    view,
  );
  return c.json(
    {
      data: resources.map((resource, at) => ({ ...resource, similarity: outcome.hits[at]!.similarity })),
      available: outcome.available,
      engine: outcome.engine,
      embedding_model: outcome.embeddingModel,
      index: outcome.index,
    },
    200,
  );
};
