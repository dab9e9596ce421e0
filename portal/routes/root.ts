// '/' (to the list or the log-in page), the load balancer's health check, and no favicon.
import type { FastifyPluginAsync } from 'fastify';
import { PORTAL_HEALTH_PATH } from '../../contracts/portal-deployment.ts';

const root: FastifyPluginAsync = async (app) => {
  const { portal } = app;
  app.get(PORTAL_HEALTH_PATH, async (_req, reply) => {
    try {
      await portal.pool.query('select 1');
      return reply.header('cache-control', 'no-store').send({ status: 'ok' });
    } catch {
      return reply
        .status(503)
        .header('cache-control', 'no-store')
        .send({ status: 'database unavailable' });
    }
  });
  // No icon: an empty answer rather than a 404 in every browser's console.
  app.get('/favicon.ico', async (_req, reply) =>
    reply.status(204).header('cache-control', 'max-age=86400').send(),
  );
  app.get('/', async (req, reply) =>
    reply.redirect((await portal.sessionUserId(req)) ? '/quarantene' : '/login', 303),
  );
};

export default root;
