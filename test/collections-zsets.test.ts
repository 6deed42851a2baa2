// Sorted-set commands through ioredis and node-redis (RESP2 and RESP3) against a real floe
// process: ZADD options, scores with inf and exclusive bounds, lex ranges, ranks, pops, the
// algebra with WEIGHTS/AGGREGATE, the RESP3 reply shapes, errors, WRONGTYPE and encodings; a
// leaderboard through both libraries' typed methods.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { arity, bothLibraries, error, runSteps, WRONGTYPE, type Step } from './helpers/collection-steps.ts';

const STEPS: Step[] = [
  [['zadd', 'board', 10, 'ann', 20, 'bob', 15.5, 'cy'], 3], [['zadd', 'board', 'ch', 'gt', 5, 'ann', 25, 'bob'], 1],
  [['zadd', 'board', 'nx', 'incr', 1, 'ann'], null], [['zadd', 'board', 'incr', 1, 'ann'], '11', 11], [['zincrby', 'board', -1, 'ann'], '10', 10],
  [['zscore', 'board', 'cy'], '15.5', 15.5], [['zscore', 'board', 'nope'], null], [['zmscore', 'board', 'ann', 'nope'], ['10', null], [10, null]],
  [['zcard', 'board'], 3], [['zrank', 'board', 'cy'], 1], [['zrevrank', 'board', 'cy'], 1], [['zrank', 'board', 'bob', 'withscore'], [2, '25'], [2, 25]],
  [['zrange', 'board', 0, -1], ['ann', 'cy', 'bob']], [['zrange', 'board', 0, -1, 'withscores'], ['ann', '10', 'cy', '15.5', 'bob', '25'], [['ann', 10], ['cy', 15.5], ['bob', 25]]],
  [['zrange', 'board', '(10', '+inf', 'byscore'], ['cy', 'bob']], [['zrange', 'board', '+inf', '-inf', 'byscore', 'rev', 'limit', 0, 2], ['bob', 'cy']],
  [['zrevrange', 'board', 0, 0], ['bob']], [['zrangebyscore', 'board', '-inf', '(15.5'], ['ann']], [['zrevrangebyscore', 'board', 25, 15.5], ['bob', 'cy']],
  [['zcount', 'board', '(10', 25], 2], [['zrange', 'board', 'a', 'b', 'byscore'], error('ERR min or max is not a float')],
  [['zadd', 'board', 'nan', 'x'], error('ERR value is not a valid float')], [['zadd', 'board', 'nx', 'xx', 1, 'x'], error('ERR XX and NX options at the same time are not compatible')],
  [['zadd', 'inf', 'inf', 'top'], 1], [['zadd', 'inf', 'incr', '-inf', 'top'], error('ERR resulting score is not a number (NaN)')],
  [['zadd', 'names', 0, 'alpha', 0, 'beta', 0, 'gamma', 0, 'delta'], 4], [['zrangebylex', 'names', '[b', '(g'], ['beta', 'delta']],
  [['zrangebylex', 'names', '-', '+', 'limit', 1, 2], ['beta', 'delta']], [['zrevrangebylex', 'names', '+', '(delta'], ['gamma']],
  [['zlexcount', 'names', '-', '+'], 4], [['zrangebylex', 'names', 'b', '+'], error('ERR min or max not valid string range item')],
  [['zremrangebylex', 'names', '[alpha', '[beta'], 2], [['zrange', 'names', 0, -1], ['delta', 'gamma']],
  [['zrangestore', 'top2', 'board', 0, 1, 'rev'], 2], [['zrange', 'top2', 0, -1], ['cy', 'bob']],
  [['zrem', 'board', 'nope', 'ann'], 1], [['zpopmin', 'board'], ['cy', '15.5'], ['cy', 15.5]], [['zpopmax', 'board', 5], ['bob', '25'], [['bob', 25]]],
  [['exists', 'board'], 0], [['zpopmin', 'nokey'], []],
  [['zadd', 'z1', 1, 'a', 2, 'b'], 2], [['zadd', 'z2', 10, 'b', 20, 'c'], 2],
  [['zunion', 2, 'z1', 'z2', 'withscores'], ['a', '1', 'b', '12', 'c', '20'], [['a', 1], ['b', 12], ['c', 20]]],
  [['zinter', 2, 'z1', 'z2', 'weights', 2, 1, 'withscores'], ['b', '14'], [['b', 14]]], [['zdiff', 2, 'z1', 'z2'], ['a']],
  [['zunionstore', 'out', 2, 'z1', 'z2', 'aggregate', 'max'], 3], [['zrange', 'out', 0, -1, 'withscores'], ['a', '1', 'b', '10', 'c', '20'], [['a', 1], ['b', 10], ['c', 20]]],
  [['zinterstore', 'out', 2, 'z1', 'z2'], 1], [['zdiffstore', 'out', 2, 'z2', 'z1'], 1], [['zintercard', 2, 'z1', 'z2'], 1],
  [['zunion', 0, 'z1'], error('ERR at least 1 input key is needed for \'zunion\' command')],
  [['zmpop', 2, 'nokey', 'z1', 'max', 'count', 5], ['z1', [['b', '2'], ['a', '1']]], ['z1', [['b', 2], ['a', 1]]]], [['exists', 'z1'], 0],
  [['zremrangebyrank', 'z2', 0, 0], 1], [['zremrangebyscore', 'z2', '-inf', '+inf'], 1], [['exists', 'z2'], 0],
  [['zadd', 'single', 3, 'm'], 1], [['zrandmember', 'single'], 'm'], [['zrandmember', 'single', -2, 'withscores'], ['m', '3', 'm', '3'], [['m', 3], ['m', 3]]],
  [['zscan', 'single', 0], ['0', ['m', '3']]], [['object', 'encoding', 'single'], 'listpack'],
  [['zadd', 'wide', 1, 'w'.repeat(80)], 1], [['object', 'encoding', 'wide'], 'skiplist'], [['zadd', 'k', 1, 'a', 2], error('ERR syntax error')], [['zadd', 'k'], arity('zadd')],
  [['set', 'text', 'v'], 'OK'], [['zadd', 'text', 1, 'a'], WRONGTYPE], [['zrange', 'text', 0, -1], WRONGTYPE], [['zscore', 'text', 'a'], WRONGTYPE],
  [['zpopmin', 'text'], WRONGTYPE], [['zunionstore', 'o', 1, 'text'], WRONGTYPE], [['zcard', 'text'], WRONGTYPE], [['zincrby', 'text', 1, 'a'], WRONGTYPE],
  [['type', 'single'], 'zset'],
];

let floe: FloeProcess;
before(async () => {
  floe = await startFloe();
});
after(async () => {
  await floe?.stop();
});

test('sorted-set commands through ioredis and node-redis, RESP2 and RESP3', async () => {
  await runSteps(floe.port, STEPS);
});

test('a 20k-player leaderboard through both libraries\' typed methods', async () => {
  const [io, nr] = await bothLibraries(floe.port);
  try {
    const r = io.ioredis;
    const n = nr.nodeRedis;
    assert.ok(r !== null && n !== null);
    await r.flushall();
    const players = 20_000;
    for (let i = 0; i < players; i += 1000) {
      const args: (string | number)[] = [];
      for (let j = i; j < i + 1000; j++) args.push((j * 7919) % players, `p${j}`);
      await r.zadd('lb', ...args);
    }
    assert.equal(await r.zcard('lb'), players);
    assert.equal(await r.object('ENCODING', 'lb'), 'skiplist');
    // Scores are a permutation of 0..players-1, so a player's rank equals its score.
    for (const j of [0, 1, 4242, 19_999]) assert.equal(await r.zrank('lb', `p${j}`), (j * 7919) % players);
    const byScore = new Map<number, string>();
    for (let j = 0; j < players; j++) byScore.set((j * 7919) % players, `p${j}`);
    assert.deepEqual(await r.zrange('lb', '100', '102', 'WITHSCORES'), [byScore.get(100), '100', byScore.get(101), '101', byScore.get(102), '102']);
    assert.equal(await r.zcount('lb', '(1000', 2000), 1000);
    assert.deepEqual(await n.zRangeWithScores('lb', 0, 1, { REV: true }), [{ value: byScore.get(19_999), score: 19_999 }, { value: byScore.get(19_998), score: 19_998 }]);
    assert.equal(await n.zRevRank('lb', byScore.get(19_999) as string), 0);
    assert.deepEqual(await n.zPopMin('lb'), { value: 'p0', score: 0 });
    assert.equal(await n.zCard('lb'), players - 1);
  } finally {
    await io.close();
    await nr.close();
  }
});
