// Connection commands against a real floe process: PING ECHO QUIT SELECT AUTH HELLO RESET and
// every CLIENT subcommand, through ioredis and node-redis (RESP2 and RESP3) and over raw
// sockets where the wire form matters (HELLO's map, QUIT closing, CLIENT KILL).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { CLIENT_KINDS, connectClient, expectReply, label, normalize, type Expected } from './helpers/clients.ts';
import { RawClient, show } from './helpers/resp.ts';

type Step = [args: (string | number)[], expected: Expected];

const STEPS: Step[] = [
  [['ping'], 'PONG'], [['ping', 'hi there'], 'hi there'], [['ping', 'a', 'b'], { error: /^ERR wrong number of arguments for 'ping' command$/ }],
  [['echo', 'x y'], 'x y'], [['echo'], { error: /^ERR wrong number of arguments for 'echo' command$/ }],
  [['select', 0], 'OK'], [['select', 1], { error: /^ERR DB index is out of range$/ }], [['select', 'x'], { error: /^ERR value is not an integer or out of range$/ }],
  [['auth', 'pw'], { error: /^ERR AUTH <password> called without any password configured for the default user/ }],
  [['auth', 'default', 'pw'], 'OK'], [['auth', 'someone', 'pw'], { error: /^WRONGPASS invalid username-password pair or user is disabled\.$/ }],
  [['client', 'setname', 'conn-test'], 'OK'], [['client', 'getname'], 'conn-test'],
  [['client', 'setname', 'has space'], { error: /^ERR Client names cannot contain spaces, newlines or special characters\.$/ }],
  [['client', 'setinfo', 'lib-name', 'mylib'], 'OK'], [['client', 'setinfo', 'lib-ver', '1.2.3'], 'OK'],
  [['client', 'setinfo', 'lib-name', 'bad name'], { error: /^ERR lib-name cannot contain spaces, newlines or special characters\.$/ }],
  [['client', 'setinfo', 'other', 'x'], { error: /^ERR Unrecognized option 'other'$/ }],
  [['client', 'no-evict', 'on'], 'OK'], [['client', 'no-evict', 'off'], 'OK'], [['client', 'no-evict', 'maybe'], { error: /^ERR syntax error$/ }],
  [['client', 'kill', 'id', 0], { error: /^ERR client-id should be greater than 0$/ }],
  [['client', 'kill', '10.0.0.1:1'], { error: /^ERR No such client$/ }], [['client', 'kill', 'id', 999999], 0],
  [['client', 'bogus'], { error: /^ERR unknown subcommand 'bogus'\. Try CLIENT HELP\.$/ }],
  [['client'], { error: /^ERR wrong number of arguments for 'client' command$/ }],
  [['client', 'setname', 'conn-test'], 'OK'],
];

describe('connection commands', () => {
  let floe: FloeProcess;
  before(async () => {
    floe = await startFloe();
  });
  after(async () => {
    await floe?.stop();
  });

  for (const kind of CLIENT_KINDS) {
    test(`PING ECHO SELECT AUTH CLIENT, ${label(kind)}`, async () => {
      const c = await connectClient(kind, floe.port);
      try {
        for (const [args, expected] of STEPS) await expectReply(c, args, expected);
        const id = normalize(await c.send('client', 'id')) as number;
        assert.equal(typeof id, 'number');
        const info = String(normalize(await c.send('client', 'info')));
        assert.match(info, new RegExp(`^id=${id} addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:${floe.port} .*name=conn-test .*cmd=client\\|info .*resp=${kind.proto} lib-name=mylib lib-ver=1\\.2\\.3\n$`));
        const list = String(normalize(await c.send('client', 'list')));
        assert.ok(list.split('\n').some((l) => l.startsWith(`id=${id} `) && l.includes(' name=conn-test ')), list);
        const byId = String(normalize(await c.send('client', 'list', 'id', id)));
        assert.equal(byId.trim().split('\n').length, 1);
        const help = normalize(await c.send('client', 'help')) as string[];
        assert.ok(help.length > 5 && help.every((l) => typeof l === 'string'));
      } finally {
        await c.close();
      }
    });
  }

  test('HELLO: map reply, protocol switch, SETNAME, NOPROTO, and the same connection id', async () => {
    const c = await RawClient.connect(floe.port);
    try {
      const id = await c.call('client', 'id');
      assert.equal(id.type, 'int');
      const h2 = await c.call('hello', '2');
      assert.equal(h2.type, 'array'); // RESP2: the map is a flat array
      const h3 = await c.call('hello', '3', 'setname', 'h3');
      assert.equal(h3.type, 'map');
      const fields = new Map(h3.type === 'map' ? h3.value.map(([k, v]) => [show(k), show(v)]) : []);
      assert.equal(fields.get('"server"'), '"floe"');
      assert.equal(fields.get('"version"'), '"7.2.0"');
      assert.equal(fields.get('"proto"'), ':3');
      assert.equal(fields.get('"id"'), show(id));
      assert.equal(fields.get('"mode"'), '"standalone"');
      assert.equal(fields.get('"role"'), '"master"');
      assert.equal(fields.get('"modules"'), '[]');
      assert.equal(await c.text('client', 'getname'), '"h3"');
      assert.equal(await c.text('get', 'nokey'), '(null)'); // RESP3 null
      assert.equal(await c.text('hello', '4'), '-NOPROTO unsupported protocol version');
      assert.equal(await c.text('hello', 'x'), '-ERR Protocol version is not an integer or out of range');
      assert.equal(await c.text('hello', '3', 'bogus'), "-ERR Syntax error in HELLO option 'bogus'");
      // A HELLO without a version keeps the current one.
      const again = await c.call('hello');
      assert.equal(again.type, 'map');
    } finally {
      c.close();
    }
  });

  test('RESET leaves MULTI, forgets the name and goes back to RESP2', async () => {
    const c = await RawClient.connect(floe.port);
    try {
      await c.call('hello', '3');
      assert.equal(await c.text('client', 'setname', 'before'), '+OK');
      assert.equal(await c.text('multi'), '+OK');
      assert.equal(await c.text('set', 'reset:k', 'v'), '+QUEUED');
      assert.equal(await c.text('reset'), '+RESET');
      assert.equal(await c.text('client', 'getname'), '(nil)'); // RESP2 null bulk again
      assert.equal(await c.text('exec'), '-ERR EXEC without MULTI');
      assert.equal(await c.text('exists', 'reset:k'), ':0');
    } finally {
      c.close();
    }
  });

  test('QUIT answers OK and closes; pipelined commands after it are not run', async () => {
    const c = await RawClient.connect(floe.port);
    c.write('*1\r\n$4\r\nQUIT\r\n*3\r\n$3\r\nSET\r\n$6\r\nquit:k\r\n$1\r\nv\r\n');
    assert.equal(show(await c.read()), '+OK');
    await c.waitClosed();
    const d = await RawClient.connect(floe.port);
    try {
      assert.equal(await d.text('exists', 'quit:k'), ':0');
    } finally {
      d.close();
    }
  });

  test('CLIENT KILL by ID, by ADDR (old and new form), SKIPME, and of oneself', async () => {
    const a = await RawClient.connect(floe.port);
    const b = await RawClient.connect(floe.port);
    const d = await RawClient.connect(floe.port);
    try {
      // A round trip first: a connection the server has not accepted yet cannot be killed.
      assert.equal(await d.text('PING'), '+PONG');
      const bId = await b.text('client', 'id');
      assert.equal(await a.text('client', 'kill', 'id', bId.slice(1)), ':1');
      await b.waitClosed();
      const dAddr = `127.0.0.1:${d.socket.localPort}`;
      assert.equal(await a.text('client', 'kill', dAddr), '+OK');
      await d.waitClosed();
      const aId = (await a.text('client', 'id')).slice(1);
      assert.equal(await a.text('client', 'kill', 'id', aId), ':0'); // SKIPME yes by default
      const e = await RawClient.connect(floe.port);
      assert.equal(await e.text('PING'), '+PONG');
      const eAddr = `127.0.0.1:${e.socket.localPort}`;
      assert.equal(await a.text('client', 'kill', 'addr', eAddr, 'skipme', 'yes'), ':1');
      await e.waitClosed();
      assert.equal(await a.text('client', 'kill', 'id', aId, 'skipme', 'no'), ':1');
      await a.waitClosed();
    } finally {
      a.close();
      b.close();
      d.close();
    }
  });

  test('CLIENT LIST shows every connection and CLIENT KILL USER reaches them', async () => {
    const conns = await Promise.all([0, 1, 2].map(() => RawClient.connect(floe.port)));
    const admin = await RawClient.connect(floe.port);
    try {
      for (const [i, c] of conns.entries()) assert.equal(await c.text('client', 'setname', `many-${i}`), '+OK');
      const list = await admin.call('client', 'list');
      assert.equal(list.type, 'bulk');
      const text = list.type === 'bulk' ? (list.value ?? '') : '';
      for (let i = 0; i < 3; i++) assert.match(text, new RegExp(` name=many-${i} `));
      // At least the three (connections of earlier tests may still be closing).
      const killed = await admin.call('client', 'kill', 'user', 'default');
      assert.ok(killed.type === 'int' && killed.value >= 3n, show(killed));
      for (const c of conns) await c.waitClosed();
    } finally {
      for (const c of conns) c.close();
      admin.close();
    }
  });

  test('MULTI/EXEC through both libraries; WATCH aborts EXEC when another client writes', async () => {
    const io = await connectClient({ lib: 'ioredis', proto: 3 }, floe.port);
    const nr = await connectClient({ lib: 'node-redis', proto: 2 }, floe.port);
    const other = await RawClient.connect(floe.port);
    try {
      const r = io.ioredis;
      const n = nr.nodeRedis;
      assert.ok(r !== null && n !== null);
      assert.deepEqual(await r.multi().set('tx:a', '1').incr('tx:a').get('tx:a').exec(), [[null, 'OK'], [null, 2], [null, '2']]);
      assert.deepEqual(await n.multi().set('tx:b', '1').incrBy('tx:b', 5).get('tx:b').exec(), ['OK', 6, '6']);
      // WATCH, then another client changes the key: EXEC answers null and runs nothing.
      await r.watch('tx:a');
      assert.equal(await other.text('SET', 'tx:a', 'changed'), '+OK');
      assert.equal(await r.multi().set('tx:a', 'mine').exec(), null);
      assert.equal(await r.get('tx:a'), 'changed');
      // Without interference the watched transaction runs.
      await r.watch('tx:a');
      assert.deepEqual(await r.multi().set('tx:a', 'mine').exec(), [[null, 'OK']]);
      // A queued command with an error aborts the whole transaction (EXECABORT).
      assert.equal(await other.text('MULTI'), '+OK');
      assert.equal(await other.text('SET', 'tx:c', 'x'), '+QUEUED');
      assert.equal(await other.text('SET', 'tx:c'), "-ERR wrong number of arguments for 'set' command");
      assert.equal(await other.text('EXEC'), '-EXECABORT Transaction discarded because of previous errors.');
      assert.equal(await other.text('EXISTS', 'tx:c'), ':0');
      // A runtime error inside EXEC does not roll back the others.
      assert.equal(await other.text('MULTI'), '+OK');
      await other.call('SET', 'tx:d', 'abc');
      await other.call('INCR', 'tx:d');
      await other.call('SET', 'tx:e', '1');
      assert.equal(await other.text('EXEC'), '[+OK, -ERR value is not an integer or out of range, +OK]');
      assert.equal(await other.text('MULTI'), '+OK');
      assert.equal(await other.text('DISCARD'), '+OK');
      assert.equal(await other.text('DISCARD'), '-ERR DISCARD without MULTI');
    } finally {
      await io.close();
      await nr.close();
      other.close();
    }
  });
});
