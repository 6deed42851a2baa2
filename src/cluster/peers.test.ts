// --peers parsing: ids from names (n<k> → k, other names hashed into the upper half), bus
// ports (+10000 or @busport), IPv6, and a clear FLOE_ERR_CONFIG for every malformed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { busPeers, findPeer, HASHED_ID_MIN, nodeIdOf, parsePeers } from './peers.ts';
import { FloeError } from '../util/errors.ts';

test('numbered names give their number; the bus port is client port + 10000', () => {
  const peers = parsePeers('n2=127.0.0.1:7001, n1=127.0.0.1:7000,n10=host.example:7009');
  assert.deepEqual(peers, [
    { name: 'n1', id: 1, host: '127.0.0.1', port: 7000, busPort: 17000 },
    { name: 'n2', id: 2, host: '127.0.0.1', port: 7001, busPort: 17001 },
    { name: 'n10', id: 10, host: 'host.example', port: 7009, busPort: 17009 },
  ]);
});

test('explicit @busport and bracketed IPv6', () => {
  const peers = parsePeers('n1=127.0.0.1:7000@9000,n2=[::1]:7001,n3=[fe80::1]:7002@7003');
  assert.deepEqual(peers.map((p) => [p.host, p.port, p.busPort]), [['127.0.0.1', 7000, 9000], ['::1', 7001, 17001], ['fe80::1', 7002, 7003]]);
});

test('other names hash to stable ids in the upper half, independent of list order', () => {
  const a = parsePeers('alpha=h:1,beta=h:2,n1=h:3');
  const b = parsePeers('n1=h:3,beta=h:2,alpha=h:1');
  assert.deepEqual(a, b);
  const alpha = findPeer(a, 'alpha');
  assert.ok(alpha.id >= HASHED_ID_MIN && alpha.id < 2 ** 32);
  assert.equal(alpha.id, nodeIdOf('alpha'));
  // pinned to the published FNV-1a test vector ("a" → 0xe40c292c): the mapping is part of
  // the on-disk format, since Raft stores node ids
  assert.equal(nodeIdOf('a'), HASHED_ID_MIN + (0xe40c292c >>> 1));
  assert.equal(nodeIdOf('n0'), nodeIdOf('n0')); // n0 is not numbered (ids start at 1): hashed
  assert.ok(nodeIdOf('n0') >= HASHED_ID_MIN);
  assert.ok(nodeIdOf('n01') >= HASHED_ID_MIN); // leading zero: hashed, so n01 and n1 differ
});

test('busPeers leaves out this node; findPeer names the missing id', () => {
  const peers = parsePeers('n1=a:1,n2=b:2,n3=c:3@4');
  assert.deepEqual([...busPeers(peers, 2)], [[1, { host: 'a', busPort: 10001 }], [3, { host: 'c', busPort: 4 }]]);
  assert.throws(() => findPeer(peers, 'n9'), /"n9" is not in the peer list \(n1, n2, n3\)/);
});

test('malformed lists fail with FLOE_ERR_CONFIG naming the problem', () => {
  const bad: Array<[string, RegExp]> = [
    ['', /empty peer list/],
    ['n1=a:1,', /empty entry/],
    ['n1', /not name=host:port/],
    ['=a:1', /bad node name/],
    ['n 1=a:1', /bad node name/],
    ['n1=a', /missing ":port"/],
    ['n1=:7000', /empty host/],
    ['n1=a:0', /out of range/],
    ['n1=a:70000', /out of range|bad port/],
    ['n1=a:x', /bad port/],
    ['n1=a:60000', /exceeds 65535.*@busport/],
    ['n1=a:1@', /bad bus port/],
    ['n1=::1:7000', /IPv6 address must be in brackets/],
    ['n1=[::1:7000', /bad IPv6/],
    ['n1=a:1,n1=b:2', /given twice/],
  ];
  for (const [spec, re] of bad) {
    assert.throws(() => parsePeers(spec), (e) => e instanceof FloeError && e.code === 'FLOE_ERR_CONFIG' && re.test(e.message), spec);
  }
});
