// In-process tests of the string and key command handlers with a fixed clock: WRONGTYPE from
// every string command (a stand-in collection value, so no other family is needed), TTL
// arithmetic to the millisecond, and the table's arity and unknown-command answers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorReply, SimpleString, type Reply } from '../protocol/reply.ts';
import { Keyspace } from '../store/keyspace.ts';
import type { CollectionValue } from '../store/types.ts';
import { Xoshiro128 } from '../util/prng.ts';
import { buildCommandTable, resolveCommand } from './table.ts';
import type { ClientContext, ExecContext, ServerContext } from './types.ts';

const T0 = 1_700_000_000_000;

class FakeList implements CollectionValue {
  readonly type = 'list' as const;
  encoding(): string {
    return 'listpack';
  }
  size(): number {
    return 1;
  }
  memoryBytes(): number {
    return 64;
  }
  clone(): CollectionValue {
    return new FakeList();
  }
}

function harness() {
  const table = buildCommandTable();
  const db = new Keyspace(new Xoshiro128(1));
  const server = { protoMaxBulkLen: () => 512 * 1024 * 1024, commandTable: () => table, lfuEnabled: () => false } as unknown as ServerContext;
  const ctx: ExecContext = { db, nowMs: T0, random: new Xoshiro128(2), client: {} as ClientContext, server };
  const run = (...args: string[]): Reply => {
    const spec = resolveCommand(table, args);
    if (spec instanceof ErrorReply) return spec;
    const r = spec.handler(ctx, args);
    assert.ok(!(r instanceof Promise));
    return r;
  };
  const text = (...args: string[]): string => {
    const r = run(...args);
    if (r instanceof ErrorReply) return `-${r.message}`;
    if (r instanceof SimpleString) return `+${r.s}`;
    return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
  };
  return { db, ctx, run, text };
}

test('every string command answers WRONGTYPE on a collection and leaves it alone', () => {
  const h = harness();
  h.db.set('coll', new FakeList(), T0);
  const wrong = '-WRONGTYPE Operation against a key holding the wrong kind of value';
  for (const args of [
    ['get', 'coll'], ['getset', 'coll', 'x'], ['getdel', 'coll'], ['getex', 'coll', 'PERSIST'], ['append', 'coll', 'x'],
    ['strlen', 'coll'], ['getrange', 'coll', '0', '1'], ['setrange', 'coll', '0', 'x'], ['incr', 'coll'], ['decr', 'coll'],
    ['incrby', 'coll', '1'], ['decrby', 'coll', '1'], ['incrbyfloat', 'coll', '1'], ['set', 'coll', 'x', 'GET'],
  ]) assert.equal(h.text(...args), wrong, args.join(' '));
  // INCRBYFLOAT checks the type before the increment, as Redis does.
  assert.equal(h.text('incrbyfloat', 'coll', 'notafloat'), wrong);
  assert.equal(h.text('mget', 'coll', 'nokey'), '[null,null]');
  assert.equal(h.text('type', 'coll'), '+list');
  assert.equal(h.text('set', 'coll', 'x', 'NX'), 'null');
  assert.equal(h.text('setnx', 'coll', 'x'), '0');
  assert.equal(h.text('set', 'coll', 'plain'), '+OK');
  assert.equal(h.text('get', 'coll'), '"plain"');
});

test('TTL rounds to the nearest second, PTTL is exact, and time moves only with the caller', () => {
  const h = harness();
  assert.equal(h.text('set', 'k', 'v', 'PX', '1500'), '+OK');
  assert.equal(h.text('pttl', 'k'), '1500');
  assert.equal(h.text('ttl', 'k'), '2');
  h.ctx.nowMs = T0 + 1000;
  assert.equal(h.text('pttl', 'k'), '500');
  assert.equal(h.text('ttl', 'k'), '1');
  h.ctx.nowMs = T0 + 1499;
  assert.equal(h.text('ttl', 'k'), '0');
  assert.equal(h.text('pexpiretime', 'k'), String(T0 + 1500));
  h.ctx.nowMs = T0 + 1500;
  assert.equal(h.text('get', 'k'), 'null');
  assert.equal(h.text('ttl', 'k'), '-2');
  assert.equal(h.db.stats.expiredKeys, 1);
});

test('EXPIRE GT/LT treat no TTL as infinite; a time in the past deletes', () => {
  const h = harness();
  h.ctx.nowMs = T0;
  h.text('set', 'k', 'v');
  assert.equal(h.text('expire', 'k', '100', 'GT'), '0'); // 100 s is not greater than forever
  assert.equal(h.text('expire', 'k', '100', 'LT'), '1');
  assert.equal(h.text('pexpireat', 'k', String(T0 + 50_000), 'LT'), '1');
  assert.equal(h.text('pttl', 'k'), '50000');
  assert.equal(h.text('pexpireat', 'k', String(T0 - 1)), '1');
  assert.equal(h.text('exists', 'k'), '0');
  h.text('set', 'k', 'v', 'EX', '10');
  assert.equal(h.text('getex', 'k', 'PXAT', String(T0)), '"v"'); // now is already past
  assert.equal(h.text('exists', 'k'), '0');
});

test('the table answers unknown commands, subcommands and arity as Redis does', () => {
  const h = harness();
  assert.equal(h.text('nosuch', 'a', 'b'), "-ERR unknown command 'nosuch', with args beginning with: 'a' 'b' ");
  assert.equal(h.text('GET'), "-ERR wrong number of arguments for 'get' command");
  assert.equal(h.text('object', 'nosuch', 'k'), "-ERR unknown subcommand 'nosuch'. Try OBJECT HELP.");
  assert.equal(h.text('object', 'encoding'), "-ERR wrong number of arguments for 'object|encoding' command");
  assert.equal(h.text('GeT', 'k'), 'null'); // names are case-insensitive
  assert.ok(Array.isArray(h.run('command')));
});
