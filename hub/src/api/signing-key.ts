import type { FastifyInstance } from 'fastify';

/**
 * `GET /api/v1/hub/signing-key`: the hub's desired-state public key (SPKI PEM,
 * `application/x-pem-file`), for provisioning devices with `--hub-public-key`.
 * Public by nature; fetch it over a channel you trust (TLS to the hub), since
 * the device will believe whatever this key signs.
 */
export function registerSigningKeyRoutes(app: FastifyInstance, deps: { publicKeyPem: string }): void {
  app.get('/api/v1/hub/signing-key', async (_request, reply) => reply.type('application/x-pem-file').send(deps.publicKeyPem));
}
