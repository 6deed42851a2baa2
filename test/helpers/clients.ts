// Real Redis clients for whole-process tests: ioredis and node-redis, each over RESP2 and RESP3.
// `send` runs any command through the library's own encoder and reply parser, and `expectReply`
// compares the library's answer with an expected value or error pattern.

import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';

export type Lib = 'ioredis' | 'node-redis';
export interface ClientKind {
  lib: Lib;
  proto: 2 | 3;
}

export const CLIENT_KINDS: readonly ClientKind[] = [
  { lib: 'ioredis', proto: 2 }, { lib: 'ioredis', proto: 3 },
  { lib: 'node-redis', proto: 2 }, { lib: 'node-redis', proto: 3 },
];

function createNodeRedis(port: number, proto: 2 | 3, opts: ConnectOptions) {
  return createClient({
    socket: { port, host: '127.0.0.1', reconnectStrategy: false }, RESP: proto,
    ...(opts.password !== undefined ? { password: opts.password } : {}),
  });
}

export type NodeRedisClient = ReturnType<typeof createNodeRedis>;

export interface TestClient {
  readonly label: string;
  readonly kind: ClientKind;
  /** The library client itself, for its typed command methods. */
  readonly ioredis: Redis | null;
  readonly nodeRedis: NodeRedisClient | null;
  send(...args: (string | number)[]): Promise<unknown>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  password?: string;
}

export function label(kind: ClientKind): string {
  return `${kind.lib} RESP${kind.proto}`;
}

export async function connectClient(kind: ClientKind, port: number, opts: ConnectOptions = {}): Promise<TestClient> {
  if (kind.lib === 'ioredis') {
    const r = new Redis({
      port, host: '127.0.0.1', protocol: kind.proto, lazyConnect: true, retryStrategy: () => null,
      maxRetriesPerRequest: 0, ...(opts.password !== undefined ? { password: opts.password } : {}),
    });
    // A refused handshake (WRONGPASS) arrives as an 'error' event; the connect promise only
    // says the connection closed, so report the error that closed it.
    let lastError: Error | null = null;
    r.on('error', (e: Error) => {
      lastError = e;
    });
    await r.connect().catch((e: unknown) => {
      throw lastError ?? e;
    });
    return {
      label: label(kind), kind, ioredis: r, nodeRedis: null,
      send: (...args) => r.call(String(args[0]), ...args.slice(1).map(String)),
      close: async () => {
        r.disconnect();
      },
    };
  }
  const c = createNodeRedis(port, kind.proto, opts);
  c.on('error', () => {
    // Surfaced through the failing command instead.
  });
  await c.connect();
  return {
    label: label(kind), kind, ioredis: null, nodeRedis: c,
    send: (...args) => c.sendCommand(args.map(String)),
    close: async () => {
      if (c.isOpen) c.destroy();
    },
  };
}

/** Buffers become strings, maps become flat arrays, so both libraries compare alike. */
export function normalize(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (Array.isArray(v)) return v.map(normalize);
  if (v instanceof Map) return [...v.entries()].flatMap(([k, x]) => [normalize(k), normalize(x)]);
  if (v !== null && typeof v === 'object' && !(v instanceof Error)) {
    return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => [k, normalize(x)]);
  }
  return v;
}

export type Expected = unknown | { error: RegExp } | { between: [number, number] };

function isErrorExpectation(e: unknown): e is { error: RegExp } {
  return e !== null && typeof e === 'object' && 'error' in e && (e as { error: unknown }).error instanceof RegExp;
}

function isRangeExpectation(e: unknown): e is { between: [number, number] } {
  return e !== null && typeof e === 'object' && 'between' in e;
}

/** A TTL in seconds just read back: n, or n - 1 if a second boundary passed in between. */
export function ttlAbout(n: number): { between: [number, number] } {
  return { between: [n - 1, n] };
}

/** Sends args and checks the reply (deep-equal after normalize) or the error message. */
export async function expectReply(c: TestClient, args: (string | number)[], expected: Expected): Promise<void> {
  const what = `${c.label}: ${args.join(' ')}`;
  if (isErrorExpectation(expected)) {
    await assert.rejects(c.send(...args), (e: unknown) => {
      assert.ok(e instanceof Error, `${what}: not an Error`);
      assert.match(e.message, expected.error, what);
      return true;
    }, what);
    return;
  }
  const got = normalize(await c.send(...args));
  if (isRangeExpectation(expected)) {
    const [lo, hi] = expected.between;
    assert.ok(typeof got === 'number' && got >= lo && got <= hi, `${what}: ${String(got)} not in [${lo}, ${hi}]`);
    return;
  }
  assert.deepEqual(got, expected, what);
}
