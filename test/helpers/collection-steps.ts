// Runs a script of collection commands through every real client kind (ioredis and
// node-redis, RESP2 and RESP3) against one floe process and checks each reply. node-redis in
// RESP3 mode shows RESP3's shapes (member/score pairs, doubles as numbers), so a step may give
// a separate expectation for it; ioredis presents RESP3 replies in RESP2's shapes.

import { CLIENT_KINDS, connectClient, expectReply, type Expected, type TestClient } from './clients.ts';

/** [command, expected reply, expected reply for node-redis over RESP3 when different]. */
export type Step = [args: (string | number)[], expected: Expected, nodeRedisResp3?: Expected];

export const WRONGTYPE = { error: /^WRONGTYPE Operation against a key holding the wrong kind of value$/ };
export const arity = (name: string) => ({ error: new RegExp(`^ERR wrong number of arguments for '${name}' command$`) });
export const error = (text: string) => ({ error: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });

/** Runs steps on a fresh keyspace for each client kind, one kind after the other. */
export async function runSteps(port: number, steps: readonly Step[]): Promise<void> {
  for (const kind of CLIENT_KINDS) {
    const c = await connectClient(kind, port);
    try {
      await c.send('flushall');
      for (const [args, expected, resp3] of steps) {
        const nr3 = kind.lib === 'node-redis' && kind.proto === 3 && resp3 !== undefined;
        await expectReply(c, args, nr3 ? resp3 : expected);
      }
    } finally {
      await c.close();
    }
  }
}

/** Connects one client of each library (RESP2) for typed-method checks. */
export async function bothLibraries(port: number): Promise<[TestClient, TestClient]> {
  const [io, nr] = await Promise.all([
    connectClient({ lib: 'ioredis', proto: 2 }, port),
    connectClient({ lib: 'node-redis', proto: 3 }, port),
  ]);
  return [io, nr];
}
