import { z } from 'zod';

/** Answer of `POST /api/v1/nodes/{name}/credentials`: the node's broker login, its password shown this once. */
export const NodeCredentials = z.object({
  kind: z.literal('NodeCredentials'),
  node: z.string(),
  username: z.string(),
  password: z.string(),
  rotated: z.boolean(),
});
export type NodeCredentials = z.output<typeof NodeCredentials>;

/** Answer of `DELETE /api/v1/nodes/{name}`. */
export const NodeDeletion = z.object({
  kind: z.literal('NodeDeletion'),
  node: z.string(),
  registered: z.boolean(),
  credentialsRevoked: z.boolean(),
  disconnected: z.number(),
  evicted: z.array(z.string()),
});
export type NodeDeletion = z.output<typeof NodeDeletion>;
