// Security against real floe processes: requirepass with AUTH and HELLO AUTH (NOAUTH before,
// WRONGPASS on a bad password), TLS on a second port with a certificate made by openssl in the
// test, mutual TLS with --tls-ca-cert-file, and maxclients.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { freePort, startFloe, type FloeProcess } from './helpers/server.ts';
import { CLIENT_KINDS, connectClient, label } from './helpers/clients.ts';
import { decodeReply, encodeCommand, RawClient, show } from './helpers/resp.ts';

const PASSWORD = 's3cret pass'; // a space, to show it is one argument
const OPENSSL_MISSING = spawnSync('openssl', ['version']).status !== 0 ? 'openssl is not installed (apt-get install openssl)' : false;

describe('requirepass and AUTH', () => {
  let floe: FloeProcess;
  before(async () => {
    floe = await startFloe(['--requirepass', PASSWORD]);
  });
  after(async () => {
    await floe?.stop();
  });

  test('before AUTH every command but AUTH, HELLO, QUIT and RESET answers NOAUTH', async () => {
    const c = await RawClient.connect(floe.port);
    try {
      for (const args of [['GET', 'k'], ['SET', 'k', 'v'], ['PING'], ['INFO'], ['CONFIG', 'GET', '*'], ['CLIENT', 'ID'], ['COMMAND'], ['MULTI']]) {
        assert.equal(await c.text(...args), '-NOAUTH Authentication required.', args.join(' '));
      }
      assert.equal(await c.text('HELLO', '3'), '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
      assert.equal(await c.text('AUTH', 'wrong'), '-WRONGPASS invalid username-password pair or user is disabled.');
      assert.equal(await c.text('AUTH', 'someone', PASSWORD), '-WRONGPASS invalid username-password pair or user is disabled.');
      assert.equal(await c.text('RESET'), '+RESET');
      assert.equal(await c.text('AUTH', PASSWORD), '+OK');
      assert.equal(await c.text('SET', 'k', 'v'), '+OK');
      assert.equal(await c.text('GET', 'k'), '"v"');
      // RESET forgets the authentication.
      assert.equal(await c.text('RESET'), '+RESET');
      assert.equal(await c.text('GET', 'k'), '-NOAUTH Authentication required.');
      assert.equal(await c.text('AUTH', 'default', PASSWORD), '+OK');
      assert.equal(await c.text('GET', 'k'), '"v"');
      assert.equal(await c.text('QUIT'), '+OK');
    } finally {
      c.close();
    }
  });

  test('HELLO AUTH authenticates and switches protocol in one step', async () => {
    const c = await RawClient.connect(floe.port);
    try {
      assert.equal(await c.text('HELLO', '3', 'AUTH', 'default', 'wrong'), '-WRONGPASS invalid username-password pair or user is disabled.');
      const h = await c.call('HELLO', '3', 'AUTH', 'default', PASSWORD, 'SETNAME', 'authed');
      assert.equal(h.type, 'map');
      assert.equal(await c.text('GET', 'nokey'), '(null)');
      assert.equal(await c.text('CLIENT', 'GETNAME'), '"authed"');
    } finally {
      c.close();
    }
  });

  test('QUIT is allowed before AUTH; unauthenticated frames are held to small limits', async () => {
    const q = await RawClient.connect(floe.port);
    assert.equal(await q.text('QUIT'), '+OK');
    await q.waitClosed();
    const big = await RawClient.connect(floe.port);
    big.write(encodeCommand(['SET', ...Array.from({ length: 10 }, (_, i) => `a${i}`)]));
    assert.equal(show(await big.read()), '-ERR Protocol error: unauthenticated multibulk length');
    await big.waitClosed();
    const bulk = await RawClient.connect(floe.port);
    bulk.write(encodeCommand(['AUTH', 'x'.repeat(16 * 1024 + 1)]));
    assert.equal(show(await bulk.read()), '-ERR Protocol error: unauthenticated bulk length');
    await bulk.waitClosed();
    // The same frames are fine once authenticated.
    const ok = await RawClient.connect(floe.port);
    try {
      assert.equal(await ok.text('AUTH', PASSWORD), '+OK');
      assert.equal(await ok.text('ECHO', 'x'.repeat(20_000)), JSON.stringify('x'.repeat(20_000)));
      assert.equal(await ok.text('MSET', ...Array.from({ length: 20 }, (_, i) => `b${i}`)), '+OK');
    } finally {
      ok.close();
    }
  });

  for (const kind of CLIENT_KINDS) {
    test(`${label(kind)} connects with the password; a wrong one is refused`, async () => {
      const c = await connectClient(kind, floe.port, { password: PASSWORD });
      try {
        assert.equal(await c.send('set', `lib:${kind.lib}:${kind.proto}`, 'v'), 'OK');
        assert.equal(await c.send('get', `lib:${kind.lib}:${kind.proto}`), 'v');
      } finally {
        await c.close();
      }
      await assert.rejects(async () => {
        const bad = await connectClient(kind, floe.port, { password: 'wrong' });
        try {
          await bad.send('get', 'k');
        } finally {
          await bad.close();
        }
      }, /WRONGPASS/);
    });
  }

  test('CONFIG SET requirepass changes the password for new connections', async () => {
    const admin = await RawClient.connect(floe.port);
    try {
      assert.equal(await admin.text('AUTH', PASSWORD), '+OK');
      assert.equal(await admin.text('CONFIG', 'SET', 'requirepass', 'newpass'), '+OK');
      assert.equal(await admin.text('PING'), '+PONG'); // already authenticated
      const c = await RawClient.connect(floe.port);
      assert.equal(await c.text('AUTH', PASSWORD), '-WRONGPASS invalid username-password pair or user is disabled.');
      assert.equal(await c.text('AUTH', 'newpass'), '+OK');
      c.close();
      assert.equal(await admin.text('CONFIG', 'SET', 'requirepass', ''), '+OK');
      const open = await RawClient.connect(floe.port);
      assert.equal(await open.text('PING'), '+PONG'); // no password: no AUTH needed
      open.close();
    } finally {
      await admin.call('CONFIG', 'SET', 'requirepass', PASSWORD);
      admin.close();
    }
  });
});

describe('maxclients', () => {
  let floe: FloeProcess;
  before(async () => {
    floe = await startFloe(['--maxclients', '3']);
  });
  after(async () => {
    await floe?.stop();
  });

  test('the connection past maxclients gets the error and is closed; rejected_connections counts', async () => {
    const conns = await Promise.all([0, 1, 2].map(() => RawClient.connect(floe.port)));
    try {
      for (const c of conns) assert.equal(await c.text('PING'), '+PONG');
      const extra = await RawClient.connect(floe.port);
      assert.equal(show(await extra.read()), '-ERR max number of clients reached');
      await extra.waitClosed();
      const info = await conns[0]?.call('INFO', 'stats');
      assert.match(info?.type === 'bulk' ? (info.value ?? '') : '', /rejected_connections:1\r\n/);
      conns.pop()?.close();
      // Once the server has seen the close, a new client gets in.
      const deadline = Date.now() + 10_000;
      while (true) {
        const again = await RawClient.connect(floe.port);
        // A refused client reads the error first; an accepted one reads its PONG.
        const reply = await again.text('PING');
        again.close();
        if (reply === '+PONG') break;
        assert.equal(reply, '-ERR max number of clients reached');
        assert.ok(Date.now() < deadline, 'a freed slot was never reused');
      }
    } finally {
      for (const c of conns) c.close();
    }
  });
});

describe('TLS', { skip: OPENSSL_MISSING }, () => {
  let dir = '';
  let floe: FloeProcess;
  let mtls: FloeProcess;
  let tlsPort = 0;
  let mtlsPort = 0;
  const file = (name: string) => join(dir, name);

  function openssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  }

  /** A key and a certificate for `cn` signed by the test CA, valid for 127.0.0.1. */
  function issue(name: string, cn: string, signer: 'ca' | 'other'): void {
    const ext = file(`${name}.ext`);
    writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.crt`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', ext]);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'floe-tls-'));
    for (const ca of ['ca', 'other']) {
      openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '2', '-subj', `/CN=floe test ${ca}`]);
    }
    issue('server', 'localhost', 'ca');
    issue('client', 'floe-client', 'ca');
    issue('stranger', 'stranger', 'other');
    tlsPort = await freePort();
    floe = await startFloe(['--tls-port', String(tlsPort), '--tls-cert-file', file('server.crt'), '--tls-key-file', file('server.key')]);
    mtlsPort = await freePort();
    mtls = await startFloe(['--tls-port', String(mtlsPort), '--tls-cert-file', file('server.crt'), '--tls-key-file', file('server.key'), '--tls-ca-cert-file', file('ca.crt')]);
  });
  after(async () => {
    await Promise.all([floe?.stop(), mtls?.stop()]);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  async function tlsCall(port: number, opts: { cert?: string; key?: string }, args: string[]): Promise<string> {
    const sock: TLSSocket = tlsConnect({
      port, host: '127.0.0.1', ca: readFileSync(file('ca.crt')),
      ...(opts.cert !== undefined ? { cert: readFileSync(opts.cert) } : {}),
      ...(opts.key !== undefined ? { key: readFileSync(opts.key) } : {}),
    });
    try {
      await once(sock, 'secureConnect');
      sock.write(encodeCommand(args));
      let buf = Buffer.alloc(0);
      while (true) {
        const [chunk] = (await Promise.race([once(sock, 'data'), once(sock, 'close').then(() => [null])])) as [Buffer | null];
        if (chunk === null) throw new Error('connection closed');
        buf = Buffer.concat([buf, chunk]);
        const r = decodeReply(buf, 0);
        if (r !== null) return show(r.value);
      }
    } finally {
      sock.destroy();
    }
  }

  test('the TLS port serves RESP; the plain port keeps working', async () => {
    assert.equal(await tlsCall(tlsPort, {}, ['SET', 'tls:k', 'secret']), '+OK');
    assert.equal(await tlsCall(tlsPort, {}, ['GET', 'tls:k']), '"secret"');
    const plain = await RawClient.connect(floe.port);
    assert.equal(await plain.text('GET', 'tls:k'), '"secret"');
    plain.close();
  });

  test('ioredis and node-redis over TLS', async () => {
    const ca = readFileSync(file('ca.crt'));
    const io = new Redis({ port: tlsPort, host: '127.0.0.1', tls: { ca }, lazyConnect: true, retryStrategy: () => null });
    try {
      await io.connect();
      assert.equal(await io.set('tls:io', '1'), 'OK');
      assert.equal(await io.incr('tls:io'), 2);
    } finally {
      io.disconnect();
    }
    const nr = createClient({ socket: { port: tlsPort, host: '127.0.0.1', tls: true, ca, reconnectStrategy: false }, RESP: 3 });
    nr.on('error', () => {
      // Surfaced through the failing command.
    });
    try {
      await nr.connect();
      assert.equal(await nr.get('tls:io'), '2');
    } finally {
      nr.destroy();
    }
  });

  test('mutual TLS: a client certificate from the CA is required', async () => {
    assert.equal(await tlsCall(mtlsPort, { cert: file('client.crt'), key: file('client.key') }, ['PING']), '+PONG');
    await assert.rejects(tlsCall(mtlsPort, {}, ['PING']));
    await assert.rejects(tlsCall(mtlsPort, { cert: file('stranger.crt'), key: file('stranger.key') }, ['PING']));
    // The plain port of that node is unaffected.
    const plain = await RawClient.connect(mtls.port);
    assert.equal(await plain.text('PING'), '+PONG');
    plain.close();
  });

  test('a TLS port without a certificate stops start-up with a clear message', async () => {
    await assert.rejects(startFloe(['--tls-port', String(await freePort())]), /tls-port needs tls-cert-file and tls-key-file/);
    await assert.rejects(startFloe(['--tls-port', String(await freePort()), '--tls-cert-file', file('missing.crt'), '--tls-key-file', file('server.key')]), /cannot load TLS files/);
  });
});
