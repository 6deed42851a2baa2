// List commands through ioredis and node-redis (RESP2 and RESP3) against a real floe process:
// pushes and pops at both ends (with counts), ranges, LINSERT/LREM/LTRIM/LPOS, LMOVE/LMPOP,
// errors, WRONGTYPE and the listpack/quicklist encodings; plus both libraries' typed methods.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { arity, bothLibraries, error, runSteps, WRONGTYPE, type Step } from './helpers/collection-steps.ts';

const STEPS: Step[] = [
  [['rpush', 'q', 'a', 'b', 'c'], 3], [['lpush', 'q', 'z'], 4], [['lrange', 'q', 0, -1], ['z', 'a', 'b', 'c']], [['llen', 'q'], 4],
  [['lindex', 'q', -1], 'c'], [['lindex', 'q', 9], null], [['lset', 'q', 0, 'Z'], 'OK'], [['lset', 'q', 9, 'x'], error('ERR index out of range')],
  [['lset', 'nokey', 0, 'x'], error('ERR no such key')], [['linsert', 'q', 'before', 'b', 'B'], 5], [['linsert', 'q', 'after', 'nope', 'x'], -1],
  [['lrange', 'q', 1, -2], ['a', 'B', 'b']], [['lpos', 'q', 'b'], 3], [['lpos', 'q', 'nope'], null], [['lpos', 'q', 'a', 'count', 0], [1]],
  [['rpush', 'dup', 'x', 'y', 'x', 'y', 'x'], 5], [['lpos', 'dup', 'x', 'rank', -1, 'count', 2], [4, 2]], [['lrem', 'dup', -2, 'x'], 2],
  [['lrange', 'dup', 0, -1], ['x', 'y', 'y']], [['ltrim', 'dup', 1, 1], 'OK'], [['lrange', 'dup', 0, -1], ['y']],
  [['lpop', 'q'], 'Z'], [['rpop', 'q', 2], ['c', 'b']], [['lpop', 'q', 0], []], [['lpop', 'nokey', 2], null], [['rpop', 'nokey'], null],
  [['lpop', 'q', -1], error('ERR value is out of range, must be positive')], [['lpushx', 'nokey', 'a'], 0], [['rpushx', 'q', 'end'], 3],
  [['lmove', 'q', 'other', 'left', 'right'], 'a'], [['rpoplpush', 'q', 'other'], 'end'], [['lrange', 'other', 0, -1], ['end', 'a']],
  [['lmpop', 2, 'nokey', 'other', 'right', 'count', 5], ['other', ['a', 'end']]], [['exists', 'other'], 0], [['lmpop', 1, 'q', 'left'], ['q', ['B']]],
  [['lmpop', 1, 'q', 'left'], null], [['lmpop', 0, 'q', 'left'], error('ERR numkeys should be greater than 0')],
  [['lmove', 'q', 'x', 'up', 'down'], error('ERR syntax error')], [['lpush', 'q'], arity('lpush')],
  [['rpush', 'small', 'a'], 1], [['object', 'encoding', 'small'], 'listpack'], [['config', 'set', 'list-max-listpack-size', 2], 'OK'],
  [['rpush', 'small', 'b', 'c'], 3], [['object', 'encoding', 'small'], 'quicklist'], [['rpop', 'small', 2], ['c', 'b']],
  [['object', 'encoding', 'small'], 'listpack'], [['config', 'set', 'list-max-listpack-size', -2], 'OK'],
  [['set', 'text', 'v'], 'OK'], [['lpush', 'text', 'a'], WRONGTYPE], [['lrange', 'text', 0, -1], WRONGTYPE], [['llen', 'text'], WRONGTYPE],
  [['lpop', 'text'], WRONGTYPE], [['lindex', 'text', 0], WRONGTYPE], [['lmove', 'text', 'q', 'left', 'left'], WRONGTYPE],
  [['rpush', 'src', 'v'], 1], [['lmove', 'src', 'text', 'left', 'left'], WRONGTYPE], [['llen', 'src'], 1], [['type', 'src'], 'list'],
];

let floe: FloeProcess;
before(async () => {
  floe = await startFloe();
});
after(async () => {
  await floe?.stop();
});

test('list commands through ioredis and node-redis, RESP2 and RESP3', async () => {
  await runSteps(floe.port, STEPS);
});

test('typed methods of both libraries, and a long list', async () => {
  const [io, nr] = await bothLibraries(floe.port);
  try {
    const r = io.ioredis;
    const n = nr.nodeRedis;
    assert.ok(r !== null && n !== null);
    await r.flushall();
    const items = Array.from({ length: 5000 }, (_, i) => `job-${i}`);
    for (let i = 0; i < items.length; i += 500) await r.rpush('jobs', ...items.slice(i, i + 500));
    assert.equal(await r.llen('jobs'), 5000);
    assert.equal(await r.object('ENCODING', 'jobs'), 'quicklist');
    assert.deepEqual(await r.lrange('jobs', 2498, 2501), items.slice(2498, 2502));
    assert.equal(await r.lindex('jobs', -1), 'job-4999');
    assert.equal(await n.lPop('jobs'), 'job-0');
    assert.deepEqual(await n.rPopCount('jobs', 2), ['job-4999', 'job-4998']);
    assert.equal(await n.lLen('jobs'), 4997);
    assert.equal(await n.lPos('jobs', 'job-100'), 99);
    assert.deepEqual(await n.lmPop(['nope', 'jobs'], 'LEFT', { COUNT: 2 }), ['jobs', ['job-1', 'job-2']]);
  } finally {
    await io.close();
    await nr.close();
  }
});
