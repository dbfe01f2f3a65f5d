/**
 * DEV_SLOW_MODE (the seed's development switch): every response outside the probes is held back by a fixed delay,
 * to see how clients behave on a slow network and to exercise graceful shutdown with requests in flight.
 * Refused outside development and test so it can never slow a production service.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { isProbe } from '../probes.js';

export const DEV_SLOW_MODE_DELAY_MS = 1500;

export const devSlowModePlugin = fp(
  async (app: FastifyInstance, options: { delayMs?: number }) => {
    const delayMs = options.delayMs ?? DEV_SLOW_MODE_DELAY_MS;
    app.addHook('preHandler', async (request) => {
      if (isProbe(request.url)) return;
      await sleep(delayMs);
    });
  },
  { name: 'frontline-dev-slow-mode' },
);
