/**
 * The web assets Vite builds into dist/web (`npm run build`): `GET /widget.js`, the <frontline-chat> element that
 * a business embeds on its own site (loadable cross-origin: see the security plugin). Read once, then served from
 * memory with an ETag.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../errors.js';

/** dist/web at the package root, from src/server/web (tsx) and dist/server/web (build) alike. */
export const WEB_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

interface Asset {
  body: Buffer;
  etag: string;
}

export async function webRoutes(app: FastifyInstance) {
  let widget: Promise<Asset> | undefined;
  const loadWidget = () =>
    (widget ??= fs.readFile(`${WEB_DIR}widget.js`).then(
      (body) => ({ body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }),
      (error: NodeJS.ErrnoException) => {
        widget = undefined;
        throw error.code === 'ENOENT' ? new NotFoundError('The widget is not built: run `npm run build`') : error;
      },
    ));

  app.get('/widget.js', { schema: { tags: ['web'], summary: 'The chat widget to embed: <script src=".../widget.js" defer></script>' } }, async (request, reply) => {
    const asset = await loadWidget();
    reply.header('Cache-Control', 'public, max-age=300').header('ETag', asset.etag).type('application/javascript; charset=utf-8');
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.send(asset.body);
  });
}
