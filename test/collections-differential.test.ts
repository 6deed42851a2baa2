// Differential test for the collection families: the same script goes to Floe and to a real
// redis-server, over RESP2 and RESP3, and every reply must match (type and bytes); cases
// marked sorted compare as multisets (hashtable iteration order is unspecified). Left out:
// what Redis 7.2 changed after the installed 7.0 (listpack sets and small lists in OBJECT
// ENCODING, ZRANK WITHSCORE, shortest-form doubles: scores here are exact binary fractions).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { differentialSkip, floeAndRedis } from './helpers/redis.ts';
import { RawClient, show, type RespValue } from './helpers/resp.ts';

type Case = string[] | { args: string[]; sorted: true };
const S = (...args: string[]): Case => ({ args, sorted: true });

const HASHES: Case[] = [
  // Debian's redis-server 7.0 defaults this to 512 without a config file; 7.2 and Floe use 128.
  ['config', 'set', 'hash-max-listpack-entries', '128'],
  ['hset', 'h', 'a', '1', 'b', '2'], ['hset', 'h', 'a', '3', 'c', '4'], ['hgetall', 'h'], ['hget', 'h', 'a'], ['hget', 'h', 'zz'],
  ['hget', 'nokey', 'a'], ['hset', 'h', 'a'], ['hset', 'h'], ['hmset', 'h', 'd', '5'], ['hmset', 'h', 'd'],
  ['hsetnx', 'h', 'a', 'x'], ['hsetnx', 'h', 'e', 'x'], ['hmget', 'h', 'a', 'zz', 'e'], ['hmget', 'nokey', 'a', 'b'],
  ['hlen', 'h'], ['hlen', 'nokey'], ['hexists', 'h', 'a'], ['hexists', 'h', 'zz'], ['hexists', 'nokey', 'a'],
  ['hstrlen', 'h', 'a'], ['hstrlen', 'h', 'zz'], ['hstrlen', 'nokey', 'a'], ['hkeys', 'h'], ['hvals', 'h'], ['hkeys', 'nokey'], ['hvals', 'nokey'],
  ['hdel', 'h', 'a', 'zz', 'b'], ['hdel', 'h', 'a'], ['hdel', 'nokey', 'a'], ['hgetall', 'h'], ['hgetall', 'nokey'],
  ['hincrby', 'h', 'n', '5'], ['hincrby', 'h', 'n', '-7'], ['hincrby', 'h', 'n', 'x'], ['hincrby', 'h', 'n', '1.5'],
  ['hincrby', 'h', 'e', '1'], ['hset', 'h', 'big', '9223372036854775807'], ['hincrby', 'h', 'big', '1'], ['hincrby', 'h', 'n', '-9223372036854775808'],
  ['hincrbyfloat', 'h', 'f', '1.5'], ['hincrbyfloat', 'h', 'f', '0.1'], ['hincrbyfloat', 'h', 'f', '-1e3'], ['hincrbyfloat', 'h', 'e', '1'],
  ['hincrbyfloat', 'h', 'f', 'abc'], ['hincrbyfloat', 'h', 'f', 'inf'], ['hincrbyfloat', 'h', 'f', 'nan'], ['hincrbyfloat', 'h', 'n', '2.5'],
  ['hset', 'h', 'inf', 'inf'], ['hincrbyfloat', 'h', 'inf', '1'], ['hincrbyfloat', 'h', 'n', '1e4000'],
  ['hincrbyfloat', 'newh', 'f', '10.5'], ['hgetall', 'newh'],
  ['hrandfield', 'nokey'], ['hrandfield', 'nokey', '5'], ['hrandfield', 'nokey', '5', 'withvalues'], ['hrandfield', 'h', '0'],
  ['hrandfield', 'h', 'x'], ['hrandfield', 'h', '1', 'foo'], ['hrandfield', 'h', '1', 'withvalues', 'x'], ['hrandfield', 'h', '-9223372036854775808'],
  ['hrandfield', 'h', '-9223372036854775807', 'withvalues'], S('hrandfield', 'h', '100'), S('hrandfield', 'h', '100', 'withvalues'),
  ['hset', 'one', 'f', 'v'], ['hrandfield', 'one'], ['hrandfield', 'one', '-3'], ['hrandfield', 'one', '-2', 'withvalues'], ['hrandfield', 'one', '1', 'withvalues'],
  S('hkeys', 'h'), S('hvals', 'h'), ['hscan', 'nokey', '0'], ['hscan', 'h', 'x'], ['hscan', 'h', '0', 'match', 'f*'], ['hscan', 'h', '0', 'count', '0'],
  ['hscan', 'h', '0', 'count'], ['hscan', 'h', '0', 'foo', 'bar'], ['hscan', 'nokey', '0', 'count', '0'],
  ['set', 'str', 'v'], ['hset', 'str', 'a', 'b'], ['hget', 'str', 'a'], ['hgetall', 'str'], ['hdel', 'str', 'a'], ['hlen', 'str'],
  ['hincrby', 'str', 'a', '1'], ['hincrbyfloat', 'str', 'a', '1'], ['hscan', 'str', '0'], ['hrandfield', 'str'], ['hrandfield', 'str', '1'],
  ['hmget', 'str', 'a'], ['hexists', 'str', 'a'], ['hstrlen', 'str', 'a'], ['hkeys', 'str'], ['hsetnx', 'str', 'a', 'b'],
  ['hdel', 'one', 'f'], ['exists', 'one'], ['type', 'h'], ['object', 'encoding', 'h'],
  ['hset', 'long', 'f', 'x'.repeat(65)], ['object', 'encoding', 'long'], ['hset', 'long2', 'f'.repeat(64), 'x'.repeat(64)], ['object', 'encoding', 'long2'],
];

function manyFields(key: string, n: number): string[] {
  const out = ['hset', key];
  for (let i = 0; i < n; i++) out.push(`f${i}`, `v${i}`);
  return out;
}
HASHES.push(manyFields('h128', 128), ['object', 'encoding', 'h128'], ['hset', 'h128', 'f0', 'new'], ['object', 'encoding', 'h128'],
  ['hset', 'h128', 'x', 'y'], ['object', 'encoding', 'h128'], ['hlen', 'h128'], ['hget', 'h128', 'f77'], S('hkeys', 'h128'),
  ['config', 'set', 'hash-max-listpack-entries', '4'], manyFields('h5', 5), ['object', 'encoding', 'h5'],
  ['config', 'set', 'hash-max-listpack-entries', '128']);

const LISTS: Case[] = [
  ['rpush', 'l', 'a', 'b', 'c'], ['lpush', 'l', 'z', 'y'], ['lrange', 'l', '0', '-1'], ['llen', 'l'], ['llen', 'nokey'],
  ['lrange', 'l', '1', '2'], ['lrange', 'l', '-2', '-1'], ['lrange', 'l', '-100', '100'], ['lrange', 'l', '3', '1'], ['lrange', 'l', '10', '20'],
  ['lrange', 'l', 'a', '1'], ['lrange', 'nokey', '0', '-1'], ['lrange', 'nokey', 'a', '1'],
  ['lindex', 'l', '0'], ['lindex', 'l', '-1'], ['lindex', 'l', '10'], ['lindex', 'l', '-10'], ['lindex', 'l', 'x'], ['lindex', 'nokey', 'x'],
  ['lset', 'l', '1', 'Y'], ['lset', 'l', '-1', 'C'], ['lset', 'l', '10', 'v'], ['lset', 'l', 'x', 'v'], ['lset', 'nokey', '0', 'v'], ['lrange', 'l', '0', '-1'],
  ['linsert', 'l', 'before', 'a', 'A'], ['linsert', 'l', 'AFTER', 'a', 'B'], ['linsert', 'l', 'after', 'nothere', 'x'], ['linsert', 'l', 'middle', 'a', 'x'],
  ['linsert', 'nokey', 'before', 'a', 'x'], ['lrange', 'l', '0', '-1'],
  ['rpush', 'r', 'x', 'a', 'x', 'b', 'x', 'c', 'x'], ['lrem', 'r', '2', 'x'], ['lrange', 'r', '0', '-1'], ['lrem', 'r', '-1', 'x'], ['lrange', 'r', '0', '-1'],
  ['lrem', 'r', '0', 'x'], ['lrange', 'r', '0', '-1'], ['lrem', 'r', '0', 'nothere'], ['lrem', 'r', 'x', 'a'], ['lrem', 'nokey', '1', 'a'],
  ['rpush', 't', '1', '2', '3', '4', '5', '6'], ['ltrim', 't', '1', '-2'], ['lrange', 't', '0', '-1'], ['ltrim', 't', '0', '100'], ['lrange', 't', '0', '-1'],
  ['ltrim', 't', 'a', '1'], ['ltrim', 'nokey', '0', '1'], ['ltrim', 't', '5', '1'], ['exists', 't'],
  ['rpush', 'p', 'a', 'b', 'c', 'a', 'b', 'c', 'a'], ['lpos', 'p', 'a'], ['lpos', 'p', 'c'], ['lpos', 'p', 'zz'], ['lpos', 'p', 'a', 'rank', '2'],
  ['lpos', 'p', 'a', 'rank', '-1'], ['lpos', 'p', 'a', 'rank', '-2'], ['lpos', 'p', 'a', 'count', '0'], ['lpos', 'p', 'a', 'count', '2'],
  ['lpos', 'p', 'a', 'count', '0', 'rank', '-1'], ['lpos', 'p', 'a', 'count', '0', 'maxlen', '4'], ['lpos', 'p', 'a', 'rank', '4'],
  ['lpos', 'p', 'a', 'rank', '0'], ['lpos', 'p', 'a', 'count', '-1'], ['lpos', 'p', 'a', 'count', 'x'], ['lpos', 'p', 'a', 'maxlen', '-1'],
  ['lpos', 'p', 'a', 'rank'], ['lpos', 'p', 'a', 'foo', '1'], ['lpos', 'nokey', 'a'], ['lpos', 'nokey', 'a', 'count', '1'], ['lpos', 'p', 'a', 'rank', 'x'],
  ['lpop', 'p'], ['rpop', 'p'], ['lpop', 'p', '2'], ['rpop', 'p', '0'], ['lpop', 'p', '-1'], ['lpop', 'p', 'x'], ['lpop', 'nokey'], ['lpop', 'nokey', '2'],
  ['lpop', 'nokey', '0'], ['lpop', 'p', '1', '2'], ['rpop', 'p', '100'], ['exists', 'p'],
  ['lpushx', 'nokey', 'a'], ['rpushx', 'nokey', 'a'], ['exists', 'nokey'], ['lpushx', 'l', 'x1', 'x2'], ['rpushx', 'l', 'y1'], ['lrange', 'l', '0', '-1'],
  ['rpush', 'src', '1', '2', '3'], ['lmove', 'src', 'dst', 'left', 'right'], ['lmove', 'src', 'dst', 'RIGHT', 'LEFT'], ['lrange', 'dst', '0', '-1'],
  ['lmove', 'src', 'src', 'left', 'right'], ['lrange', 'src', '0', '-1'], ['lmove', 'src', 'dst', 'up', 'left'], ['lmove', 'nokey', 'dst', 'left', 'left'],
  ['rpoplpush', 'src', 'dst'], ['rpoplpush', 'nokey', 'dst'], ['lrange', 'dst', '0', '-1'], ['exists', 'src'],
  ['rpush', 'solo', 'x'], ['expire', 'solo', '1000'], ['lmove', 'solo', 'solo', 'left', 'left'], ['ttl', 'solo'],
  ['lmpop', '2', 'nokey', 'dst', 'left'], ['lmpop', '2', 'nokey', 'dst', 'right', 'count', '10'], ['lmpop', '1', 'nokey', 'left'],
  ['lmpop', '0', 'l', 'left'], ['lmpop', 'x', 'l', 'left'], ['lmpop', '1', 'l', 'up'], ['lmpop', '2', 'l', 'left'], ['lmpop', '1', 'l', 'left', 'count', '0'],
  ['lmpop', '1', 'l', 'left', 'count', '1', 'count', '2'], ['lmpop', '1', 'l', 'left', 'foo'],
  ['blpop', 'nokey', 'l', '0.1'], ['brpop', 'l', '0'], ['blpop', 'l', '-1'], ['blpop', 'l', 'abc'], ['blmpop', '0', '1', 'l', 'left', 'count', '2'],
  ['blmove', 'l', 'dst', 'left', 'left', '0'], ['brpoplpush', 'l', 'dst', '0'], ['blmove', 'l', 'dst', 'foo', 'left', '0'], ['brpoplpush', 'l', 'dst', '-1'],
  ['lrange', 'l', '0', '-1'], ['lrange', 'dst', '0', '-1'],
  ['set', 'str', 'v'], ['lpush', 'str', 'a'], ['rpush', 'str', 'a'], ['lpushx', 'str', 'a'], ['lrange', 'str', '0', '-1'], ['llen', 'str'], ['lpop', 'str'],
  ['rpop', 'str', '2'], ['lindex', 'str', '0'], ['lset', 'str', '0', 'v'], ['linsert', 'str', 'before', 'a', 'b'], ['lrem', 'str', '0', 'a'],
  ['ltrim', 'str', '0', '1'], ['lpos', 'str', 'a'], ['lmove', 'str', 'dst', 'left', 'left'], ['lmove', 'dst', 'str', 'left', 'left'],
  ['rpoplpush', 'dst', 'str'], ['lmpop', '2', 'nokey', 'str', 'left'], ['blpop', 'str', '0'], ['blpop', 'nokey', 'str', '0'], ['lrange', 'dst', '0', '-1'],
  ['rpush', 'huge', 'a', 'b', 'a'], ['lrange', 'huge', '0', '9223372036854775807'], ['lrange', 'huge', '-9223372036854775808', '1'],
  ['lindex', 'huge', '9223372036854775807'], ['lpos', 'huge', 'a', 'maxlen', '9223372036854775807', 'count', '9223372036854775807'],
  ['lrem', 'huge', '-9223372036854775808', 'nothere'], ['ltrim', 'huge', '-9223372036854775808', '9223372036854775807'], ['lrange', 'huge', '0', '-1'],
  ['lpop', 'huge', '9223372036854775807'], ['lrange', 'huge', '0', '99999999999999999999'],
  ['type', 'dst'], ['rpush', 'empty', 'x'], ['lpop', 'empty'], ['exists', 'empty'], ['lpush'], ['lpush', 'k'],
];

const SETS: Case[] = [
  ['sadd', 's', '3', '1', '2'], ['sadd', 's', '2', '4'], ['smembers', 's'], ['scard', 's'], ['sismember', 's', '1'], ['sismember', 's', 'x'],
  ['smismember', 's', '1', 'x', '4'], ['smismember', 'nokey', 'a'], ['sismember', 'nokey', 'a'], ['scard', 'nokey'], ['smembers', 'nokey'],
  ['object', 'encoding', 's'], ['srem', 's', '1', 'x'], ['srem', 'nokey', 'a'], ['smembers', 's'],
  ['sadd', 'w', 'apple', 'pear', 'fig'], S('smembers', 'w'), ['srem', 'w', 'pear'], S('smembers', 'w'),
  ['sadd', 'a', '1', '2', '3', 'x'], ['sadd', 'b', '2', '3', '4', 'y'], ['sadd', 'c', '3', 'x', 'y', 'z'],
  S('sinter', 'a', 'b'), S('sinter', 'a', 'b', 'c'), S('sinter', 'a', 'nokey'), S('sunion', 'a', 'b'), S('sunion', 'nokey', 'a'),
  S('sdiff', 'a', 'b'), S('sdiff', 'a', 'b', 'c'), S('sdiff', 'nokey', 'a'), S('sdiff', 'a', 'nokey'), S('sdiff', 'a', 'a'),
  ['sinterstore', 'd', 'a', 'b'], S('smembers', 'd'), ['sunionstore', 'd', 'a', 'b', 'c'], ['scard', 'd'], ['sdiffstore', 'd', 'a', 'b'], S('smembers', 'd'),
  ['sinterstore', 'd', 'a', 'nokey'], ['exists', 'd'], ['sadd', 'd', 'v'], ['sdiffstore', 'd', 'a', 'a'], ['exists', 'd'],
  ['sunionstore', 'ints', 'b', 'a'], ['scard', 'ints'], ['sadd', 'i1', '5', '1', '3'], ['sadd', 'i2', '2', '1'], ['sunionstore', 'iu', 'i1', 'i2'],
  ['smembers', 'iu'], ['object', 'encoding', 'iu'], ['sinterstore', 'ii', 'i1', 'iu'], ['smembers', 'ii'],
  ['sintercard', '2', 'a', 'b'], ['sintercard', '3', 'a', 'b', 'c'], ['sintercard', '2', 'a', 'b', 'limit', '1'], ['sintercard', '2', 'a', 'b', 'limit', '0'],
  ['sintercard', '0', 'a'], ['sintercard', 'x', 'a'], ['sintercard', '3', 'a', 'b'], ['sintercard', '2', 'a', 'b', 'limit', '-1'],
  ['sintercard', '2', 'a', 'b', 'foo'], ['sintercard', '1', 'nokey'],
  ['smove', 'a', 'b', '1'], ['smove', 'a', 'b', 'zz'], ['smove', 'nokey', 'b', '1'], ['smove', 'a', 'a', 'x'], ['smove', 'a', 'newset', 'x'],
  S('smembers', 'a'), S('smembers', 'b'), ['smembers', 'newset'],
  ['sadd', 'one', 'm'], ['spop', 'one'], ['exists', 'one'], ['spop', 'nokey'], ['spop', 'nokey', '3'], ['spop', 'a', '0'], ['spop', 'a', '-1'],
  ['spop', 'a', 'x'], ['spop', 'a', '1', '2'], S('spop', 'a', '100'), ['exists', 'a'],
  ['srandmember', 'nokey'], ['srandmember', 'nokey', '3'], ['srandmember', 'b', '0'], S('srandmember', 'b', '100'), ['srandmember', 'b', 'x'],
  ['srandmember', 'b', '1', '2'], ['srandmember', 'b', '-9223372036854775808'], ['sadd', 'single', 'q'], ['srandmember', 'single', '-3'], ['srandmember', 'single'],
  ['sscan', 'nokey', '0'], ['sscan', 'i1', '0'], ['sscan', 'i1', '0', 'match', '1*'], ['sscan', 'i1', 'x'], ['sscan', 'i1', '0', 'count', '0'],
  ['set', 'str', 'v'], ['sadd', 'str', 'a'], ['srem', 'str', 'a'], ['smembers', 'str'], ['sismember', 'str', 'a'], ['smismember', 'str', 'a'],
  ['scard', 'str'], ['spop', 'str'], ['spop', 'str', '2'], ['srandmember', 'str'], ['srandmember', 'str', '2'], ['smove', 'str', 'b', 'a'], ['smove', 'b', 'str', '2'],
  ['smove', 'nokey', 'str', 'a'], ['sinter', 'b', 'str'], ['sinter', 'nokey', 'str'], ['sunion', 'b', 'str'], ['sdiff', 'str', 'b'], ['sdiff', 'nokey', 'str'],
  ['sinterstore', 'd', 'b', 'str'], ['sintercard', '2', 'b', 'str'], ['sscan', 'str', '0'], ['sadd'], ['sadd', 'k'],
  ['sadd', 'big', '9007199254740993', '1'], S('smembers', 'big'), ['sismember', 'big', '9007199254740993'], ['sadd', 'neg', '-5', '0', '-0', '007'], S('smembers', 'neg'),
];

const ZSETS: Case[] = [
  ['zadd', 'z', '1', 'a', '2', 'b', '3', 'c'], ['zadd', 'z', '1.5', 'a'], ['zrange', 'z', '0', '-1', 'withscores'], ['zcard', 'z'], ['zcard', 'nokey'],
  ['zadd', 'z', 'nx', '5', 'a', '5', 'd'], ['zadd', 'z', 'xx', '6', 'd', '6', 'e'], ['zadd', 'z', 'xx', 'ch', '7', 'd', '7', 'e'], ['zadd', 'z', 'ch', '7', 'd', '8', 'f'],
  ['zadd', 'z', 'gt', 'ch', '1', 'f', '9', 'd'], ['zadd', 'z', 'lt', 'ch', '0.5', 'f', '100', 'd'], ['zadd', 'z', 'incr', '2', 'a'], ['zadd', 'z', 'incr', 'nx', '2', 'a'],
  ['zadd', 'z', 'incr', 'xx', '2', 'nothere'], ['zadd', 'z', 'incr', 'gt', '-1', 'a'], ['zadd', 'z', 'incr', '1', 'a', '2', 'b'],
  ['zadd', 'z', 'nx', 'xx', '1', 'a'], ['zadd', 'z', 'gt', 'lt', '1', 'a'], ['zadd', 'z', 'nx', 'gt', '1', 'a'], ['zadd', 'z', '1'], ['zadd', 'z', '1', 'a', '2'],
  ['zadd', 'z', 'x', 'a'], ['zadd', 'z', 'nan', 'a'], ['zadd', 'z', '1e400', 'a'], ['zadd', 'z', '0x10', 'hex'], ['zadd', 'z', 'inf', 'top', '-inf', 'bottom'],
  ['zadd', 'z', 'incr', '-inf', 'top'], ['zadd', 'z', 'xx', '1', 'nothere'], ['zadd', 'nokey', 'xx', '1', 'a'], ['exists', 'nokey'], ['zadd', 'nokey', 'xx', 'incr', '1', 'a'],
  ['zrange', 'z', '0', '-1', 'withscores'],
  ['zincrby', 'z', '2.5', 'b'], ['zincrby', 'z', 'x', 'b'], ['zincrby', 'new', '3', 'm'], ['zincrby', 'z', '1', 'top'],
  ['zscore', 'z', 'b'], ['zscore', 'z', 'nothere'], ['zscore', 'nokey', 'a'], ['zscore', 'z', 'top'], ['zmscore', 'z', 'b', 'nothere', 'bottom'], ['zmscore', 'nokey', 'a', 'b'],
  ['zrank', 'z', 'b'], ['zrank', 'z', 'nothere'], ['zrevrank', 'z', 'b'], ['zrank', 'nokey', 'a'],
  ['zcount', 'z', '-inf', '+inf'], ['zcount', 'z', '(1.5', '3'], ['zcount', 'z', '2', '(2'], ['zcount', 'z', 'x', '1'], ['zcount', 'z', '(', '10'], ['zcount', 'nokey', '0', '1'],
  ['zrange', 'z', '0', '2'], ['zrange', 'z', '-2', '-1', 'withscores'], ['zrange', 'z', '2', '1'], ['zrange', 'z', '0', '-1', 'rev'], ['zrevrange', 'z', '0', '1', 'withscores'],
  ['zrange', 'z', '(1.5', '10', 'byscore'], ['zrange', 'z', '10', '(1.5', 'byscore', 'rev', 'withscores'], ['zrange', 'z', '-inf', 'inf', 'byscore', 'limit', '1', '2'],
  ['zrange', 'z', '-inf', 'inf', 'byscore', 'limit', '-1', '2'], ['zrange', 'z', '-inf', 'inf', 'byscore', 'limit', '1', '-1'], ['zrange', 'z', '-inf', 'inf', 'byscore', 'limit', '0', '0'],
  ['zrange', 'z', 'inf', '-inf', 'byscore', 'rev', 'limit', '1', '2', 'withscores'], ['zrange', 'z', '0', '1', 'limit', '0', '1'], ['zrange', 'z', '[a', '[z', 'bylex', 'withscores'],
  ['zrange', 'z', '0', '1', 'byscore', 'bylex'], ['zrange', 'z', '0', '1', 'rev', 'rev'], ['zrange', 'z', 'a', '1'], ['zrange', 'z', '0', '1', 'foo'], ['zrange', 'z', 'x', '1', 'byscore'],
  ['zrange', 'z', '0', '1', 'limit', '1'], ['zrange', 'nokey', '0', '-1'], ['zrange', 'z', '1', '0', 'byscore'], ['zrange', 'z', '(2', '(2', 'byscore'],
  ['zrangebyscore', 'z', '2', '8', 'withscores'], ['zrangebyscore', 'z', '2', '8', 'limit', '1', '1'], ['zrangebyscore', 'z', '2', '8', 'byscore'], ['zrangebyscore', 'z', '2', '8', 'rev'],
  ['zrevrangebyscore', 'z', '8', '2'], ['zrevrangebyscore', 'z', '(8', '(2', 'withscores', 'limit', '0', '1'], ['zrevrangebyscore', 'z', '2', '8'],
  ['zrangebyscore', 'z', '-inf', '(-inf'], ['zrangebyscore', 'z', '(inf', 'inf'], ['zrangebyscore', 'z', 'nan', '1'], ['zrangebyscore', 'z', ' 1', '5'],
  ['zadd', 'lex', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e'], ['zrangebylex', 'lex', '-', '+'], ['zrangebylex', 'lex', '[b', '(d'], ['zrangebylex', 'lex', '(a', '[c', 'limit', '1', '5'],
  ['zrevrangebylex', 'lex', '+', '-'], ['zrevrangebylex', 'lex', '[d', '(a'], ['zrangebylex', 'lex', '+', '-'], ['zrangebylex', 'lex', 'a', '+'], ['zrangebylex', 'lex', '-', 'zz'],
  ['zrangebylex', 'lex', '[bb', '[dd'], ['zrangebylex', 'lex', '-x', '+'], ['zrangebylex', 'lex', '[', '+'], ['zlexcount', 'lex', '-', '+'], ['zlexcount', 'lex', '(b', '[d'],
  ['zlexcount', 'lex', 'x', '+'], ['zlexcount', 'nokey', '-', '+'], ['zrange', 'lex', '[c', '-', 'bylex', 'rev'], ['zrangebylex', 'lex', '-', '+', 'withscores'],
  ['zrangestore', 'dst', 'z', '0', '2'], ['zrange', 'dst', '0', '-1', 'withscores'], ['zrangestore', 'dst', 'lex', '[b', '[d', 'bylex'], ['zrange', 'dst', '0', '-1'],
  ['zrangestore', 'dst', 'z', '0', '-1', 'withscores'], ['zrangestore', 'dst', 'nokey', '0', '-1'], ['exists', 'dst'], ['zrangestore', 'dst', 'z', '5', '1'],
  ['zrangestore', 'dst', 'z', '1', '3', 'byscore', 'rev'], ['zrangestore', 'dst', 'z', '3', '1', 'byscore', 'rev'], ['zrange', 'dst', '0', '-1'],
  ['zrem', 'z', 'a', 'nothere'], ['zrem', 'nokey', 'a'], ['zremrangebyrank', 'z', '0', '0'], ['zremrangebyscore', 'z', '(7', 'inf'], ['zremrangebylex', 'lex', '[b', '[c'],
  ['zremrangebyrank', 'z', 'x', '1'], ['zremrangebyscore', 'z', 'x', '1'], ['zremrangebylex', 'lex', 'x', '1'], ['zremrangebyrank', 'nokey', '0', '1'],
  ['zremrangebyrank', 'z', '5', '1'], ['zrange', 'z', '0', '-1', 'withscores'], ['zrange', 'lex', '0', '-1'],
  ['zadd', 'p', '1', 'a', '2', 'b', '3', 'c', '4', 'd'], ['zpopmin', 'p'], ['zpopmax', 'p'], ['zpopmin', 'p', '5'], ['zpopmin', 'p'], ['exists', 'p'],
  ['zpopmin', 'nokey'], ['zpopmin', 'nokey', '2'], ['zpopmax', 'z', '0'], ['zpopmax', 'z', '-1'], ['zpopmax', 'z', 'x'], ['zpopmax', 'z', '1', '2'],
  ['set', 'zstr', 'x'], ['zpopmin', 'zstr', '0'], ['zpopmax', 'zstr', '0'], ['zpopmin', 'nokey', '0'],
  ['zadd', 'zd', '-0', 'neg0', '5e18', 'big', '-5e18', 'small'], ['zscore', 'zd', 'neg0'], ['zrange', 'zd', '0', '-1', 'withscores'],
  ['zincrby', 'zd', '-0', 'n0'], ['zscore', 'zd', 'n0'],
  ['zadd', 'p', '1', 'a', '2', 'b', '3', 'c'], ['zmpop', '2', 'nokey', 'p', 'min'], ['zmpop', '1', 'p', 'max', 'count', '5'], ['zmpop', '1', 'p', 'max'],
  ['zmpop', '0', 'p', 'min'], ['zmpop', '1', 'p', 'up'], ['zmpop', '1', 'p', 'min', 'count', '0'], ['zmpop', '2', 'p', 'min'], ['zmpop', '1', 'p', 'min', 'foo'],
  ['bzpopmin', 'nokey', 'z', '0'], ['bzpopmax', 'z', '0'], ['bzpopmin', 'z', '-1'], ['bzpopmin', 'z', 'x'], ['bzmpop', '0', '1', 'z', 'min', 'count', '2'],
  ['bzmpop', '0', '1', 'z', 'min', 'count', '0'], ['zrandmember', 'nokey'], ['zrandmember', 'nokey', '2'], ['zrandmember', 'z', '0'],
  S('zrandmember', 'z', '100'), S('zrandmember', 'z', '100', 'withscores'), ['zrandmember', 'z', '1', 'foo'], ['zrandmember', 'z', 'x'],
  ['zrandmember', 'z', '-9223372036854775807', 'withscores'], ['zadd', 'single', '2.5', 'q'], ['zrandmember', 'single', '-2', 'withscores'], ['zrandmember', 'single'],
  ['zadd', 'u1', '1', 'a', '2', 'b', '3', 'c'], ['zadd', 'u2', '10', 'b', '20', 'c', '30', 'd'], ['sadd', 'us', 'c', 'd', 'e'],
  ['zunion', '2', 'u1', 'u2'], ['zunion', '2', 'u1', 'u2', 'withscores'], ['zunion', '2', 'u1', 'u2', 'weights', '2', '0.5', 'withscores'],
  ['zunion', '3', 'u1', 'u2', 'us', 'aggregate', 'max', 'withscores'], ['zinter', '2', 'u1', 'u2', 'withscores'], ['zinter', '3', 'u1', 'u2', 'us', 'withscores', 'aggregate', 'min'],
  ['zinter', '2', 'u1', 'nokey'], ['zdiff', '2', 'u1', 'u2', 'withscores'], ['zdiff', '2', 'u2', 'us'], ['zdiff', '1', 'nokey'],
  ['zunion', '0', 'u1'], ['zunion', 'x', 'u1'], ['zunion', '3', 'u1', 'u2'], ['zunion', '2', 'u1', 'u2', 'weights', '1'], ['zunion', '2', 'u1', 'u2', 'weights', '1', 'x'],
  ['zunion', '2', 'u1', 'u2', 'aggregate', 'avg'], ['zdiff', '2', 'u1', 'u2', 'weights', '1', '2'], ['zdiff', '2', 'u1', 'u2', 'aggregate', 'max'], ['zunion', '2', 'u1', 'u2', 'foo'],
  ['zunionstore', 'out', '2', 'u1', 'u2'], ['zrange', 'out', '0', '-1', 'withscores'], ['zinterstore', 'out', '2', 'u1', 'u2', 'weights', '1', '-1'],
  ['zrange', 'out', '0', '-1', 'withscores'], ['zdiffstore', 'out', '2', 'u1', 'u2'], ['zrange', 'out', '0', '-1', 'withscores'], ['zinterstore', 'out', '2', 'u1', 'nokey'],
  ['exists', 'out'], ['zunionstore', 'out', '2', 'u1', 'u2', 'withscores'], ['zunionstore', 'out', '0', 'u1'], ['zintercard', '2', 'u1', 'u2'],
  ['zintercard', '2', 'u1', 'u2', 'limit', '1'], ['zintercard', '0', 'u1'], ['zintercard', '3', 'u1', 'u2'], ['zintercard', '2', 'u1', 'u2', 'limit', '-1'],
  ['zadd', 'inf1', 'inf', 'a'], ['zadd', 'inf2', '-inf', 'a'], ['zunion', '2', 'inf1', 'inf2', 'withscores'], ['zunion', '1', 'inf1', 'weights', '0', 'withscores'],
  ['zscan', 'u1', '0'], ['zscan', 'nokey', '0'], ['zscan', 'u1', '0', 'match', 'a*'], ['zscan', 'u1', 'x'],
  ['set', 'str', 'v'], ['zadd', 'str', '1', 'a'], ['zincrby', 'str', '1', 'a'], ['zscore', 'str', 'a'], ['zmscore', 'str', 'a'], ['zcard', 'str'], ['zcount', 'str', '0', '1'],
  ['zrange', 'str', '0', '1'], ['zrangestore', 'dst', 'str', '0', '1'], ['zrank', 'str', 'a'], ['zrem', 'str', 'a'], ['zremrangebyrank', 'str', '0', '1'],
  ['zpopmin', 'str'], ['zmpop', '1', 'str', 'min'], ['bzpopmin', 'str', '0'], ['zrandmember', 'str'], ['zunion', '2', 'u1', 'str'], ['zinterstore', 'out', '1', 'str'],
  ['zscan', 'str', '0'], ['zlexcount', 'str', '-', '+'], ['zadd'], ['zadd', 'k', '1'],
  ['zrange', 'u1', '0', '9223372036854775807'], ['zrange', 'u1', '-9223372036854775808', '-1', 'withscores'],
  ['zrange', 'u1', '-inf', '+inf', 'byscore', 'limit', '1', '9223372036854775807'], ['zrangebyscore', 'u1', '-inf', '+inf', 'limit', '9223372036854775807', '1'],
  ['zpopmin', 'single', '9223372036854775807'], S('spop', 'us', '9223372036854775807'), ['sintercard', '1', 'u1', 'limit', '9223372036854775807'],
  ['object', 'encoding', 'u1'], ['zadd', 'longm', '1', 'x'.repeat(65)], ['object', 'encoding', 'longm'],
];

function manyMembers(key: string, n: number): string[] {
  const out = ['zadd', key];
  for (let i = 0; i < n; i++) out.push(String(i % 7), `m${i}`);
  return out;
}
ZSETS.push(manyMembers('big', 200), ['object', 'encoding', 'big'], ['zcard', 'big'], ['zrange', 'big', '50', '60', 'withscores'],
  ['zrank', 'big', 'm77'], ['zrevrank', 'big', 'm77'], ['zcount', 'big', '(2', '5'], ['zrangebyscore', 'big', '3', '3', 'limit', '5', '3'],
  ['zrem', 'big', 'm0', 'm1'], ['zremrangebyrank', 'big', '10', '20'], ['zremrangebyscore', 'big', '6', '6'], ['zcard', 'big'], ['zrange', 'big', '-5', '-1'],
  ['zrangestore', 'small', 'big', '0', '4'], ['object', 'encoding', 'small'], ['zunionstore', 'u3', '1', 'big'], ['object', 'encoding', 'u3'],
  ['zpopmax', 'big', '3'], ['zmpop', '1', 'big', 'min', 'count', '2']);

const skipReason = differentialSkip();

function canonical(c: Case, r: RespValue): string {
  if (!Array.isArray(c) && (r.type === 'array' || r.type === 'set') && r.value !== null) {
    return show({ type: r.type, value: [...r.value].sort((x, y) => (show(x) < show(y) ? -1 : 1)) } as RespValue);
  }
  return show(r);
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

describe('differential: collections answer as redis-server does', { skip: skipReason }, () => {
  const servers = floeAndRedis();

  for (const [name, cases] of [['hashes', HASHES], ['lists', LISTS], ['sets', SETS], ['sorted sets', ZSETS]] as const) {
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
          if (mine[i] !== theirs[i]) {
            const cs = cases[i] as Case;
            diffs.push(`#${i} ${(Array.isArray(cs) ? cs : cs.args).join(' ').slice(0, 120)}\n   floe:  ${mine[i]}\n   redis: ${theirs[i]}`);
          }
        }
        assert.equal(diffs.length, 0, `${diffs.length} replies differ:\n${diffs.join('\n')}`);
      });
    }
  }
});
