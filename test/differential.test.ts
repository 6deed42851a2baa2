// Differential test: the same command script goes to Floe and to a real redis-server, and every
// reply must be identical (type and bytes), except where a case says the order is unspecified
// (KEYS). Left out on purpose: replies that depend on time or randomness, databases other than
// 0 (Floe has one), commands newer than the installed Redis (CLIENT SETINFO is 7.2), OBJECT
// ENCODING after APPEND (Floe derives the encoding from the content; Redis from the history),
// and COMMAND INFO's metadata (tested on its own). Redis is the oracle for string and key
// semantics and for error text.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { differentialSkip, floeAndRedis } from './helpers/redis.ts';
import { RawClient, show, type RespValue } from './helpers/resp.ts';

type Case = string[] | { args: string[]; sorted: true };

const BIG = '9223372036854775807';
const SMALL = '-9223372036854775808';

/** INCRBYFLOAT on one key with seeded random decimals: checks the long double emulation. */
function randomFloatChain(seed: number, n: number): Case[] {
  let x = seed;
  const rnd = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32;
  };
  const out: Case[] = [];
  for (let i = 0; i < n; i++) {
    const digits = String(Math.floor(rnd() * 1e9));
    const point = Math.floor(rnd() * (digits.length + 1));
    const exp = rnd() < 0.2 ? `e${Math.floor(rnd() * 40) - 20}` : '';
    const sign = rnd() < 0.4 ? '-' : '';
    out.push(['incrbyfloat', 'chain', `${sign}${digits.slice(0, point)}.${digits.slice(point)}${exp}`]);
  }
  return out;
}

/** Strings: every option of every command, edge values and errors. */
const STRINGS: Case[] = [
  ['set', 'k', 'v'], ['get', 'k'], ['get', 'missing'],
  ['set', 'k', 'v2', 'nx'], ['set', 'k', 'v2', 'xx'], ['get', 'k'], ['set', 'n1', 'x', 'xx'], ['get', 'n1'],
  ['set', 'k', 'v3', 'get'], ['set', 'fresh', 'v', 'get'], ['set', 'k', 'v', 'nx', 'xx'], ['set', 'k', 'v', 'xx', 'nx'],
  ['set', 'k', 'v', 'ex', '0'], ['set', 'k', 'v', 'ex', '-1'], ['set', 'k', 'v', 'px', '0'], ['set', 'k', 'v', 'ex', 'abc'],
  ['set', 'k', 'v', 'ex', '10', 'px', '10'], ['set', 'k', 'v', 'ex'], ['set', 'k', 'v', 'keepttl', 'ex', '10'],
  ['set', 'k', 'v', 'ex', '10', 'keepttl'], ['set', 'k', 'v', 'foo'], ['set', 'k', 'v', 'ex', '9223372036854775807'],
  ['set', 'k', 'v', 'ex', '100'], ['ttl', 'k'], ['set', 'k', 'v', 'keepttl'], ['ttl', 'k'], ['set', 'k', 'v'], ['ttl', 'k'],
  ['set', 'k', 'v', 'EX', '100', 'get'], ['ttl', 'k'], ['set', 'k', 'new', 'NX', 'GET'], ['get', 'k'],
  ['set', 'k', 'v', 'exat', '1'], ['exists', 'k'], ['set', 'k', 'v', 'pxat', '1'], ['exists', 'k'],
  ['set', 'k', 'v', 'xx', 'get'], ['set', 'k', 'v', 'nx', 'get'], ['set', 'k', 'w', 'nx', 'get'],
  ['set'], ['set', 'k'], ['get'], ['get', 'a', 'b'],
  ['setnx', 'sn', '1'], ['setnx', 'sn', '2'], ['get', 'sn'],
  ['setex', 'se', '100', 'v'], ['ttl', 'se'], ['setex', 'se', '0', 'v'], ['setex', 'se', '-5', 'v'], ['setex', 'se', 'x', 'v'],
  ['psetex', 'pse', '100000', 'v'], ['ttl', 'pse'], ['psetex', 'pse', '0', 'v'], ['get', 'pse'],
  ['getset', 'gs', 'a'], ['getset', 'gs', 'b'], ['get', 'gs'],
  ['getdel', 'gs'], ['getdel', 'gs'], ['exists', 'gs'],
  ['set', 'ge', 'v'], ['getex', 'ge'], ['getex', 'ge', 'ex', '100'], ['ttl', 'ge'], ['getex', 'ge', 'persist'], ['ttl', 'ge'],
  ['getex', 'ge', 'px', '100000'], ['ttl', 'ge'], ['getex', 'ge', 'ex', '0'], ['getex', 'ge', 'ex', '-1'], ['getex', 'ge', 'foo'],
  ['getex', 'ge', 'ex', '10', 'persist'], ['getex', 'ge', 'persist', 'ex', '10'], ['getex', 'nokey', 'ex', '10'],
  ['getex', 'ge', 'exat', '1'], ['exists', 'ge'], ['getex', 'ge', 'ex'],
  ['mset', 'm1', 'a', 'm2', 'b'], ['mget', 'm1', 'm2', 'm3'], ['mset', 'm1'], ['mset', 'm1', 'a', 'm2'],
  ['msetnx', 'm3', 'c', 'm4', 'd'], ['msetnx', 'm4', 'x', 'm5', 'y'], ['mget', 'm3', 'm4', 'm5'], ['msetnx', 'm6', 'a', 'm6', 'b'], ['get', 'm6'],
  ['append', 'ap', 'hello'], ['append', 'ap', ' world'], ['get', 'ap'], ['strlen', 'ap'], ['strlen', 'nokey'],
  ['getrange', 'ap', '0', '4'], ['getrange', 'ap', '-5', '-1'], ['getrange', 'ap', '-100', '100'], ['getrange', 'ap', '5', '3'],
  ['getrange', 'ap', '-1', '-5'], ['getrange', 'ap', '0', '-1'], ['getrange', 'ap', '100', '200'], ['getrange', 'nokey', '0', '-1'],
  ['getrange', 'ap', 'a', '1'], ['getrange', 'ap', '0', '0'], ['getrange', 'ap', '-1', '0'], ['getrange', 'ap', '10', '-100'],
  ['set', 'empty', ''], ['getrange', 'empty', '0', '-1'], ['getrange', 'empty', '0', '0'], ['strlen', 'empty'],
  ['setrange', 'sr', '5', 'abc'], ['get', 'sr'], ['setrange', 'sr', '0', 'XY'], ['get', 'sr'], ['setrange', 'sr', '-1', 'a'],
  ['setrange', 'sr2', '0', ''], ['exists', 'sr2'], ['setrange', 'sr', '3', ''], ['setrange', 'sr', 'x', 'a'],
  ['setrange', 'sr', '536870912', 'a'], ['setrange', 'sr3', '10', ''], ['exists', 'sr3'],
  // Offsets and indexes are C longs: the whole 64-bit range parses, then is judged by size.
  ['setrange', 'sr', SMALL, 'a'], ['setrange', 'sr', BIG, 'a'], ['setrange', 'sr', BIG, ''], ['setrange', 'ap', BIG, 'a'],
  ['getrange', 'ap', SMALL, BIG], ['getrange', 'ap', '0', SMALL], ['getrange', 'ap', BIG, BIG], ['getrange', 'ap', '9223372036854775808', '1'],
  ['incr', 'c'], ['incr', 'c'], ['incrby', 'c', '10'], ['decr', 'c'], ['decrby', 'c', '5'], ['get', 'c'],
  ['incrby', 'c', 'x'], ['incrby', 'c', '1.5'], ['incrby', 'c', ' 1'], ['incrby', 'c', '+1'], ['incrby', 'c', '01'],
  ['set', 'c', BIG], ['incr', 'c'], ['get', 'c'], ['set', 'c', SMALL], ['decr', 'c'], ['decrby', 'c', '1'],
  ['set', 'c', '0'], ['decrby', 'c', SMALL], ['incrby', 'c', '9223372036854775808'],
  ['set', 'c', '10'], ['incrby', 'c', BIG], ['set', 'c', '-10'], ['incrby', 'c', SMALL],
  ['set', 'c', 'abc'], ['incr', 'c'], ['set', 'c', ' 1'], ['incr', 'c'], ['set', 'c', '1 '], ['incr', 'c'],
  ['set', 'c', '00'], ['incr', 'c'], ['set', 'c', '-0'], ['incr', 'c'], ['set', 'c', '1e3'], ['incr', 'c'],
  ['set', 'c', '99999999999999999999'], ['incr', 'c'],
  ['set', 'f', '10.5'], ['incrbyfloat', 'f', '0.1'], ['incrbyfloat', 'f', '-5'], ['incrbyfloat', 'f', '1e3'],
  ['incrbyfloat', 'f2', '3'], ['incrbyfloat', 'f2', '1.0e0'], ['incrbyfloat', 'f3', '5.0e3'], ['incrbyfloat', 'f3', '-5000'],
  ['incrbyfloat', 'f', 'abc'], ['incrbyfloat', 'f', 'inf'], ['incrbyfloat', 'f', 'nan'], ['incrbyfloat', 'f', ''],
  ['set', 'f4', '1.5e2'], ['incrbyfloat', 'f4', '0'], ['set', 'f5', 'abc'], ['incrbyfloat', 'f5', '1'],
  ['incrbyfloat', 'f6', '0.1'], ['incrbyfloat', 'f6', '0.2'], ['incrbyfloat', 'f7', '1.1234567890123456789'],
  ['incrbyfloat', 'f8', '-0.0'], ['incrbyfloat', 'f9', '3.0000'], ['incrbyfloat', 'f10', '.5'], ['incrbyfloat', 'f10', '5.'],
  ['incrbyfloat', 'f11', '1e-5'], ['incrbyfloat', 'f12', '123456789012345678'],
  ['incrbyfloat', 'h1', '0x1p3'], ['incrbyfloat', 'h1', '0X.8P-1'], ['incrbyfloat', 'h1', '0x'], ['incrbyfloat', 'h2', '1e4931'],
  ['incrbyfloat', 'h2', '1e4931'], ['incrbyfloat', 'h3', '1e5000'], ['incrbyfloat', 'h3', '1e-5000'], ['incrbyfloat', 'h3', '0e-5000'],
  ['incrbyfloat', 'h4', '-1e-20'], ['incrbyfloat', 'h5', '+.5'], ['incrbyfloat', 'h5', '-infinity'], ['incrbyfloat', 'h5', ' 1'],
  ['incrbyfloat', 'h5', '1 '], ['incrbyfloat', 'h5', '1e'], ['incrbyfloat', 'h5', '.'], ['incrbyfloat', 'h5', '-'],
  ['incrbyfloat', 'h6', '1e308'], ['incrbyfloat', 'h6', '1e308'], ['incrbyfloat', 'h7', '1e-4940'], ['incrbyfloat', 'h8', '-5'],
  ['incrbyfloat', 'h8', '5'], ['get', 'h8'], ['incrbyfloat', 'h9', '0.1'], ['incrbyfloat', 'h9', '-0.1'], ['get', 'h9'],
  ['set', 'h10', '1e5000'], ['incrbyfloat', 'h10', '1'], ['set', 'h10', 'inf'], ['incrbyfloat', 'h10', '1'],
  ...randomFloatChain(20240601, 60),
  ['object', 'encoding', 'c'], ['set', 'oi', '12345'], ['object', 'encoding', 'oi'], ['set', 'oe', 'short'],
  ['object', 'encoding', 'oe'], ['set', 'or', 'x'.repeat(45)], ['object', 'encoding', 'or'], ['object', 'encoding', 'nokey'],
  ['append', 'oi', '6'], ['set', 'oi2', '-1'], ['object', 'encoding', 'oi2'],
  ['set', 'oi3', '01'], ['object', 'encoding', 'oi3'], ['set', 'oi4', BIG], ['object', 'encoding', 'oi4'],
];

/** Glob patterns as KEYS and SCAN MATCH read them (stringmatchlen's rules). */
const GLOBS = [
  '*', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[a-b]llo', 'h[b-a]llo', 'h\\*llo', 'h\\\\llo', '\\[a]', '[', '[a', '[a]', '[]',
  'h[a-]llo', 'h[-a]llo', 'h[\\^]llo', '*[', '**', 'h**o', '?', '??', 'h[x-]*', '[!a]', 'h[^-]llo', 'h\\', 'a*', '*a', 'h[^a-z]llo',
];

/** Keys: existence, type, rename, copy, TTLs and their options. */
const KEYS: Case[] = [
  ['flushall'], ['mset', 'a', '1', 'b', '2', 'c', '3'],
  ['del', 'a', 'b', 'nokey'], ['exists', 'a', 'c', 'c', 'nokey'], ['unlink', 'c'], ['dbsize'],
  ['set', 's', 'v'], ['type', 's'], ['type', 'nokey'],
  ['rename', 's', 't'], ['get', 't'], ['rename', 'nokey', 'x'], ['rename', 't', 't'], ['renamenx', 't', 't'],
  ['set', 'u', 'x'], ['renamenx', 't', 'u'], ['renamenx', 't', 'w'], ['get', 'w'], ['renamenx', 'nokey', 'z'],
  ['setex', 'tt', '100', 'v'], ['rename', 'tt', 'tt2'], ['ttl', 'tt2'],
  ['copy', 'w', 'w2'], ['get', 'w2'], ['copy', 'w', 'w2'], ['copy', 'w', 'w2', 'replace'], ['copy', 'w', 'w'],
  ['copy', 'nokey', 'x'], ['copy', 'w', 'w3', 'db', '0'], ['copy', 'w', 'w4', 'foo'],
  ['copy', 'tt2', 'tt3'], ['ttl', 'tt3'], ['copy', 'w', 'w5', 'db', 'x'],
  { args: ['keys', '*'], sorted: true }, { args: ['keys', 'w*'], sorted: true }, { args: ['keys', 'w?'], sorted: true },
  { args: ['keys', '[tu]*'], sorted: true }, { args: ['keys', 'nomatch*'], sorted: true }, { args: ['keys', 't\\t2'], sorted: true },
  ['touch', 'w', 'u', 'nokey'],
  ['set', 'e', 'v'], ['ttl', 'e'], ['pttl', 'e'], ['ttl', 'nokey'], ['pttl', 'nokey'], ['expiretime', 'e'], ['expiretime', 'nokey'],
  ['pexpiretime', 'e'], ['expire', 'e', '100'], ['ttl', 'e'], ['expire', 'e', '100', 'nx'], ['expire', 'e', '200', 'xx'], ['ttl', 'e'],
  ['expire', 'e', '50', 'gt'], ['ttl', 'e'], ['expire', 'e', '300', 'gt'], ['ttl', 'e'], ['expire', 'e', '400', 'lt'], ['expire', 'e', '150', 'lt'], ['ttl', 'e'],
  ['expire', 'e', '10', 'nx', 'xx'], ['expire', 'e', '10', 'gt', 'lt'], ['expire', 'e', '10', 'nx', 'gt'], ['expire', 'e', '10', 'foo'],
  ['expire', 'e', 'abc'], ['expire', 'nokey', '10'], ['persist', 'e'], ['ttl', 'e'], ['persist', 'e'], ['persist', 'nokey'],
  ['expire', 'e', '100', 'gt'], ['ttl', 'e'], ['expire', 'e', '100', 'lt'], ['ttl', 'e'], ['persist', 'e'], ['expire', 'e', '100', 'xx'],
  ['expire', 'e', '100', 'nx'], ['ttl', 'e'],
  ['pexpire', 'e', '200000'], ['ttl', 'e'], ['expireat', 'e', '99999999999'], ['expiretime', 'e'], ['pexpiretime', 'e'], ['ttl', 'nokey'],
  ['pexpireat', 'e', '99999999999000'], ['expiretime', 'e'],
  ['expire', 'e', '9223372036854775807'], ['pexpire', 'e', '9223372036854775807'], ['expireat', 'e', '9223372036854775807'],
  ['expire', 'e', '-9223372036854775808'],
  ['expire', 'e', '0'], ['exists', 'e'], ['set', 'e', 'v'], ['expire', 'e', '-1'], ['exists', 'e'],
  ['set', 'e', 'v'], ['pexpireat', 'e', '1'], ['exists', 'e'], ['set', 'e', 'v'], ['expireat', 'e', '0'], ['exists', 'e'],
  // A collection key: string commands answer WRONGTYPE, generic ones work on it.
  ['rpush', 'lst', 'a', 'b'], ['get', 'lst'], ['set', 'lst', 'x', 'get'], ['append', 'lst', 'x'], ['incr', 'lst'],
  ['incrbyfloat', 'lst', 'x'], ['getrange', 'lst', '0', '1'], ['strlen', 'lst'], ['mget', 'lst', 'nokey'], ['type', 'lst'],
  ['copy', 'lst', 'lst2'], ['rename', 'lst2', 'lst3'], ['type', 'lst3'], ['expire', 'lst3', '100'], ['ttl', 'lst3'],
  ['exists', 'lst', 'lst3'], ['getdel', 'lst'], ['getex', 'lst', 'persist'], ['setnx', 'lst', 'x'], ['set', 'lst', 'x'], ['type', 'lst'],
  ['del'], ['exists'], ['type'], ['rename', 'a'], ['expire', 'a'], ['ttl'], ['keys'], ['keys', 'a', 'b'],
  ['scan', 'abc'], ['scan', '0', 'count', '0'], ['scan', '0', 'count', 'x'], ['scan', '0', 'type', 'nosuchtype'], ['scan', '0', 'match'],
  ['scan', '0', 'foo', 'bar'],
  ['flushdb'], ['mset', 'hello', '1', 'hallo', '1', 'hxllo', '1', 'hllo', '1', 'heeeello', '1', 'h*llo', '1', 'h\\llo', '1', '[a]', '1', 'a', '1', 'h-llo', '1', 'h^llo', '1'],
  ...GLOBS.map((g) => ({ args: ['keys', g], sorted: true as const })),
  ['randomkey', 'x'], ['flushdb'], ['randomkey'], ['dbsize'], ['scan', '0'], ['keys', '*'],
  ['flushall', 'async'], ['flushall', 'sync'], ['flushall', 'foo'], ['flushdb', 'a', 'b'],
];

/** Connection and server commands with deterministic replies. */
const MISC: Case[] = [
  ['ping'], ['ping', 'hello'], ['ping', 'a', 'b'], ['echo', 'x'], ['echo'], ['echo', 'a', 'b'],
  ['select', '0'], ['select', 'x'], ['select', '-1'], ['select', '16'],
  ['auth', 'pw'], ['auth', 'user', 'pw'], ['auth', 'a', 'b', 'c'],
  ['nosuchcommand'], ['nosuchcommand', 'a', 'b'], ['client', 'nosuchsub'], ['client'], ['config'], ['config', 'foo'],
  ['client', 'setname', 'a b'], ['client', 'setname', 'name1'], ['client', 'getname'], ['client', 'setname', ''],
  ['client', 'getname'],
  ['client', 'no-evict', 'on'], ['client', 'no-evict', 'maybe'], ['client', 'kill', 'id', '0'], ['client', 'kill', '1.2.3.4:5'],
  ['client', 'kill', 'id', '999999'], ['client', 'kill', 'foo', 'bar'], ['client', 'list', 'type', 'foo'], ['client', 'list', 'id', 'x'],
  ['hello', '4'], ['hello', 'x'], ['hello', '2', 'foo'],
  ['config', 'set', 'maxmemory-policy', 'nosuch'], ['config', 'set', 'nosuchparam', '1'], ['config', 'set', 'maxmemory'],
  ['config', 'set', 'maxmemory', 'abc'], ['config', 'get', 'maxmemory-policy'], ['config', 'get', 'nosuchparam'], ['config', 'get'],
  ['config', 'set', 'maxmemory-policy', 'allkeys-lru', 'maxmemory-policy', 'allkeys-lfu'],
  ['config', 'set', 'maxmemory-policy', 'allkeys-lru'], ['config', 'get', 'maxmemory-policy'], ['config', 'set', 'maxmemory-policy', 'noeviction'],
  ['config', 'resetstat', 'x'], ['config', 'set', 'save', ''],
  ['set', 'ok', 'v'], ['memory', 'usage', 'nokey'], ['memory', 'usage', 'ok', 'samples'], ['memory', 'usage', 'ok', 'samples', 'x'],
  ['memory', 'usage', 'ok', 'foo', '1'],
  ['object', 'freq', 'ok'], ['object', 'refcount', 'ok'], ['object', 'idletime', 'nokey'], ['object', 'encoding'], ['object', 'foo', 'ok'],
  ['slowlog', 'get', '-2'], ['slowlog', 'get', 'x'], ['slowlog', 'len', 'x'], ['slowlog', 'foo'],
  ['dbsize', 'x'], ['time', 'x'], ['info', 'nosuchsection'],
  ['command', 'getkeys', 'set', 'a', 'b'], ['command', 'getkeys', 'mset', 'a', 'b', 'c', 'd'], ['command', 'getkeys', 'ping'],
  ['command', 'getkeys', 'nosuch'], ['command', 'getkeys', 'get'], ['command', 'getkeys', 'object', 'encoding', 'k'],
  ['command', 'getkeys', 'memory', 'usage', 'k'], ['command', 'getkeys', 'del', 'a', 'b', 'c'],
  ['multi'], ['set', 'tx', '1'], ['incr', 'tx'], ['get', 'tx'], ['exec'],
  ['multi'], ['set', 'tx'], ['incr', 'tx'], ['exec'], ['get', 'tx'],
  ['multi'], ['set', 'tx', 'abc'], ['incr', 'tx'], ['get', 'tx'], ['exec'],
  ['exec'], ['discard'], ['multi'], ['multi'], ['discard'], ['watch'], ['multi'], ['watch', 'x'], ['discard'],
];

const skipReason = differentialSkip();

/** The per-case text compared across servers. */
function canonical(c: Case, r: RespValue): string {
  if (!Array.isArray(c) && r.type === 'array' && r.value !== null) {
    return show({ type: 'array', value: [...r.value].sort((x, y) => (show(x) < show(y) ? -1 : 1)) });
  }
  return show(r);
}

/** TTL replies one second apart are the same answer read either side of a second boundary. */
function ttlClose(c: Case, a: string, b: string): boolean {
  const name = (Array.isArray(c) ? c : c.args)[0];
  if (name !== 'ttl' || !a.startsWith(':') || !b.startsWith(':')) return false;
  const x = Number(a.slice(1));
  const y = Number(b.slice(1));
  return x > 0 && y > 0 && Math.abs(x - y) <= 1;
}

async function runScript(port: number, cases: Case[], proto: 2 | 3): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    if (proto === 3) await c.call('hello', '3');
    const out: string[] = [];
    for (const cs of cases) {
      const args = Array.isArray(cs) ? cs : cs.args;
      out.push(canonical(cs, await c.call(...args)));
    }
    return out;
  } finally {
    c.close();
  }
}

describe('differential: Floe answers as redis-server does', { skip: skipReason }, () => {
  const servers = floeAndRedis();

  for (const [name, cases] of [['strings', STRINGS], ['keys', KEYS], ['connection and server', MISC]] as const) {
    for (const proto of [2, 3] as const) {
      test(`${name}, RESP${proto}`, async () => {
        await Promise.all([servers.floe.port, servers.redis.port].map(async (p) => {
          const c = await RawClient.connect(p);
          await c.call('flushall');
          c.close();
        }));
        const [mine, theirs] = await Promise.all([runScript(servers.floe.port, cases, proto), runScript(servers.redis.port, cases, proto)]);
        const diffs: string[] = [];
        for (let i = 0; i < cases.length; i++) {
          if (mine[i] !== theirs[i] && !ttlClose(cases[i] as Case, mine[i] as string, theirs[i] as string)) {
            const cs = cases[i] as Case;
            diffs.push(`#${i} ${(Array.isArray(cs) ? cs : cs.args).join(' ')}\n   floe:  ${mine[i]}\n   redis: ${theirs[i]}`);
          }
        }
        assert.equal(diffs.length, 0, `${diffs.length} replies differ:\n${diffs.join('\n')}`);
      });
    }
  }
});
