/**
 * The web front ends Vite builds into dist/web (`npm run build`):
 * - `GET /widget.js`: the <frontline-chat> element a business embeds on its own site (loadable cross-origin: see
 *   the security plugin), read once and served from memory with an ETag;
 * - `GET /console`: the console for the team, with its hashed assets under /console/assets (cached for a year:
 *   a new build has new names).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../errors.js';

/** dist/web at the package root, from src/server/web (tsx) and dist/server/web (build) alike. */
export const WEB_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

interface Asset {
  body: Buffer;
  etag: string;
}

/** Reads a built file once; a missing build is a 404 saying how to make it (and is looked for again next time). */
function builtFile(name: string): () => Promise<Asset> {
  let loaded: Promise<Asset> | undefined;
  return () =>
    (loaded ??= fs.readFile(`${WEB_DIR}${name}`).then(
      (body) => ({ body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }),
      (error: NodeJS.ErrnoException) => {
        loaded = undefined;
        throw error.code === 'ENOENT' ? new NotFoundError(`${name} is not built: run \`npm run build\``) : error;
      },
    ));
}

export async function webRoutes(app: FastifyInstance) {
  const widget = builtFile('widget.js');
  const consolePage = builtFile('console/index.html');

  app.get('/widget.js', { schema: { tags: ['web'], summary: 'The chat widget to embed: <script src=".../widget.js" defer></script>' } }, async (request, reply) => {
    const asset = await widget();
    reply
      .header('Cache-Control', 'public, max-age=300')
      .header('ETag', asset.etag)
      .header('Cross-Origin-Resource-Policy', 'cross-origin') // any site may embed it
      .type('application/javascript; charset=utf-8');
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.send(asset.body);
  });

  app.get('/console', { schema: { tags: ['web'], summary: 'The console for the team (log in with an agent or admin account)' } }, async (_request, reply) => {
    const page = await consolePage();
    return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(page.body);
  });

  await app.register(fastifyStatic, {
    root: `${WEB_DIR}console/assets`,
    prefix: '/console/assets/',
    immutable: true,
    maxAge: '365d',
    // A build may not have run yet (tests of the server alone): the directory is checked per request.
    preCompressed: false,
    wildcard: true,
  });
}
