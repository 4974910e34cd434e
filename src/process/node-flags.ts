/**
 * The gateway's node flags, as the Dockerfile, deploy/k8s and `npm start` start it (the headline demos start
 * it so too; test/deploy/dockerfile.test.ts holds them equal). A 64 MiB semi-space: the gateway allocates a
 * little for every request, and at the default size the young generation's collections were a fifth of its
 * CPU in the room drop (docs/operations.md#the-gateways-node-flags).
 */
export const GATEWAY_NODE_FLAGS = "--max-semi-space-size=64";
