// Server commands against a real floe process: INFO (Redis's sections and field names), CONFIG
// GET|SET|RESETSTAT, DBSIZE, FLUSHDB, FLUSHALL, TIME, COMMAND and its subcommands (and
// redis-cli working against Floe), MEMORY USAGE, OBJECT and SLOWLOG — through ioredis and
// node-redis over RESP2 and RESP3, and raw sockets where the reply type matters.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { CLIENT_KINDS, connectClient, expectReply, label, normalize } from './helpers/clients.ts';
import { redisCliPath } from './helpers/redis.ts';
import { RawClient, show, type RespValue } from './helpers/resp.ts';

const run = promisify(execFile);

function parseInfo(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let cur: Map<string, string> | null = null;
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) {
      cur = new Map();
      sections.set(line.slice(2).toLowerCase(), cur);
    } else if (line !== '') {
      const i = line.indexOf(':');
      assert.ok(i > 0 && cur !== null, `bad INFO line ${JSON.stringify(line)}`);
      cur.set(line.slice(0, i), line.slice(i + 1));
    }
  }
  return sections;
}

const REQUIRED_FIELDS: Record<string, string[]> = {
  server: ['redis_version', 'floe_version', 'redis_mode', 'os', 'arch_bits', 'process_id', 'run_id', 'tcp_port', 'uptime_in_seconds', 'uptime_in_days', 'hz', 'executable', 'config_file'],
  clients: ['connected_clients', 'maxclients', 'blocked_clients'],
  memory: ['used_memory', 'used_memory_human', 'used_memory_rss', 'used_memory_peak', 'maxmemory', 'maxmemory_human', 'maxmemory_policy', 'mem_fragmentation_ratio'],
  stats: ['total_connections_received', 'total_commands_processed', 'total_net_input_bytes', 'total_net_output_bytes', 'rejected_connections', 'expired_keys', 'evicted_keys', 'keyspace_hits', 'keyspace_misses', 'total_error_replies'],
  keyspace: [],
};

function bulkText(v: RespValue): string {
  if (v.type === 'bulk' || v.type === 'verbatim') return v.value ?? '';
  throw new Error(`expected text, got ${show(v)}`);
}

describe('server commands', () => {
  let floe: FloeProcess;
  before(async () => {
    floe = await startFloe();
  });
  after(async () => {
    await floe?.stop();
  });

  for (const kind of CLIENT_KINDS) {
    test(`INFO, CONFIG, DBSIZE, FLUSH*, TIME, MEMORY, OBJECT, ${label(kind)}`, async () => {
      const c = await connectClient(kind, floe.port);
      try {
        await c.send('flushall');
        await c.send('set', 'num', '12345');
        await c.send('set', 'str', 'hello');
        await c.send('setex', 'vol', 100, 'x'.repeat(100));
        const info = parseInfo(String(normalize(await c.send('info'))));
        for (const [section, fields] of Object.entries(REQUIRED_FIELDS)) {
          const got = info.get(section);
          assert.ok(got !== undefined, `${c.label}: INFO has no ${section} section`);
          for (const f of fields) assert.ok(got.has(f), `${c.label}: INFO ${section} lacks ${f}`);
        }
        assert.equal(info.get('server')?.get('redis_version'), '7.2.0');
        assert.equal(info.get('server')?.get('tcp_port'), String(floe.port));
        assert.equal(info.get('keyspace')?.get('db0')?.replace(/avg_ttl=\d+/, 'avg_ttl=N'), 'keys=3,expires=1,avg_ttl=N');
        assert.equal(info.get('memory')?.get('maxmemory_policy'), 'noeviction');
        const only = parseInfo(String(normalize(await c.send('info', 'memory', 'stats'))));
        assert.deepEqual([...only.keys()], ['memory', 'stats']);
        assert.equal(String(normalize(await c.send('info', 'nosuchsection'))), '');
        assert.ok(parseInfo(String(normalize(await c.send('info', 'all')))).has('cpu'));

        await expectReply(c, ['config', 'get', 'maxmemory-policy'], ['maxmemory-policy', 'noeviction']);
        await expectReply(c, ['config', 'set', 'maxmemory', '10mb', 'maxmemory-policy', 'allkeys-lru'], 'OK');
        await expectReply(c, ['config', 'get', 'maxmemory'], ['maxmemory', String(10 * 1024 * 1024)]);
        const mem = parseInfo(String(normalize(await c.send('info', 'memory')))).get('memory');
        assert.equal(mem?.get('maxmemory'), String(10 * 1024 * 1024));
        assert.equal(mem?.get('maxmemory_policy'), 'allkeys-lru');
        await expectReply(c, ['config', 'set', 'maxmemory', '0', 'maxmemory-policy', 'noeviction'], 'OK');
        await expectReply(c, ['config', 'set', 'port', '1'], { error: /^ERR CONFIG SET failed \(possibly related to argument 'port'\) - can't set immutable config$/ });
        await expectReply(c, ['config', 'set', 'nosuch', '1'], { error: /^ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'$/ });
        await expectReply(c, ['config', 'set', 'hz', '0'], { error: /^ERR CONFIG SET failed \(possibly related to argument 'hz'\) - argument must be between 1 and 500 inclusive$/ });
        // All or nothing: a bad second pair leaves the first unapplied.
        await expectReply(c, ['config', 'set', 'maxmemory-samples', '7', 'hz', 'x'], { error: /argument 'hz'/ });
        await expectReply(c, ['config', 'get', 'maxmemory-samples'], ['maxmemory-samples', '5']);
        const all = normalize(await c.send('config', 'get', '*')) as string[];
        assert.ok(all.length >= 40 && all.length % 2 === 0);
        for (const p of ['port', 'bind', 'maxmemory', 'maxmemory-policy', 'requirepass', 'maxclients', 'proto-max-bulk-len', 'client-query-buffer-limit', 'client-output-buffer-limit', 'save', 'appendonly', 'databases']) {
          assert.ok(all.includes(p), `CONFIG GET * lacks ${p}`);
        }

        await expectReply(c, ['dbsize'], 3);
        const time = normalize(await c.send('time')) as [string, string];
        assert.ok(Math.abs(Number(time[0]) * 1000 + Number(time[1]) / 1000 - Date.now()) < 60_000);
        assert.ok(Number(time[1]) >= 0 && Number(time[1]) < 1_000_000);

        const usage = normalize(await c.send('memory', 'usage', 'vol')) as number;
        const small = normalize(await c.send('memory', 'usage', 'str')) as number;
        assert.ok(usage > 100 + 3 && small > 8 && usage > small, `${usage} ${small}`);
        await expectReply(c, ['memory', 'usage', 'nokey'], null);
        await expectReply(c, ['memory', 'usage', 'str', 'SAMPLES', 5], small);

        await expectReply(c, ['object', 'encoding', 'num'], 'int');
        await expectReply(c, ['object', 'encoding', 'str'], 'embstr');
        await expectReply(c, ['object', 'encoding', 'vol'], 'raw');
        await expectReply(c, ['object', 'encoding', 'nokey'], null);
        const idle = normalize(await c.send('object', 'idletime', 'str')) as number;
        assert.ok(idle >= 0 && idle < 60);
        await expectReply(c, ['object', 'freq', 'str'], { error: /^ERR An LFU maxmemory policy is not selected/ });

        await expectReply(c, ['flushdb'], 'OK');
        await expectReply(c, ['dbsize'], 0);
        await c.send('set', 'a', '1');
        await expectReply(c, ['flushall', 'ASYNC'], 'OK');
        await expectReply(c, ['dbsize'], 0);
      } finally {
        await c.close();
      }
    });
  }

  test('OBJECT FREQ counts reads under LFU; OBJECT IDLETIME is refused there', async () => {
    const c = await RawClient.connect(floe.port);
    try {
      assert.equal(await c.text('config', 'set', 'maxmemory-policy', 'allkeys-lfu'), '+OK');
      await c.call('set', 'hot', 'v');
      await c.call('set', 'cold', 'v');
      for (let i = 0; i < 200; i++) await c.call('get', 'hot');
      const hot = await c.call('object', 'freq', 'hot');
      const cold = await c.call('object', 'freq', 'cold');
      assert.ok(hot.type === 'int' && cold.type === 'int' && hot.value > cold.value, `${show(hot)} vs ${show(cold)}`);
      assert.match(await c.text('object', 'idletime', 'hot'), /^-ERR An LFU maxmemory policy is selected, idle time not tracked/);
    } finally {
      await c.call('config', 'set', 'maxmemory-policy', 'noeviction');
      c.close();
    }
  });

  test('CONFIG RESETSTAT zeroes the counters', async () => {
    const c = await RawClient.connect(floe.port);
    try {
      await c.call('get', 'nokey');
      await c.call('set', 'k', 'v');
      await c.call('get', 'k');
      await c.call('nosuchcommand');
      let stats = parseInfo(bulkText(await c.call('info', 'stats'))).get('stats');
      assert.ok(Number(stats?.get('total_commands_processed')) > 0);
      assert.ok(Number(stats?.get('keyspace_hits')) > 0 && Number(stats?.get('keyspace_misses')) > 0);
      assert.ok(Number(stats?.get('total_error_replies')) > 0);
      assert.equal(await c.text('config', 'resetstat'), '+OK');
      stats = parseInfo(bulkText(await c.call('info', 'stats'))).get('stats');
      assert.equal(stats?.get('keyspace_hits'), '0');
      assert.equal(stats?.get('keyspace_misses'), '0');
      assert.equal(stats?.get('total_error_replies'), '0');
      assert.equal(stats?.get('expired_keys'), '0');
      assert.equal(stats?.get('evicted_keys'), '0');
      assert.ok(Number(stats?.get('total_commands_processed')) <= 1);
    } finally {
      c.close();
    }
  });

  test('COMMAND, COMMAND COUNT|INFO|DOCS|LIST|GETKEYS describe the table the way clients read it', async () => {
    const c = await RawClient.connect(floe.port);
    try {
      const count = await c.call('command', 'count');
      const list = await c.call('command', 'list');
      const all = await c.call('command');
      assert.ok(count.type === 'int' && list.type === 'array' && list.value !== null && all.type === 'array' && all.value !== null);
      assert.equal(Number(count.value), list.value.length);
      assert.equal(Number(count.value), all.value.length);
      const names = list.value.map((v) => show(v));
      for (const n of ['get', 'set', 'del', 'scan', 'info', 'config', 'client', 'command', 'hello', 'multi']) assert.ok(names.includes(`"${n}"`), n);
      for (const entry of all.value) {
        assert.ok(entry.type === 'array' && entry.value !== null && entry.value.length === 10, show(entry));
      }
      assert.equal(await c.text('command', 'info', 'get'),
        '[["get", :2, [+readonly, +fast], :1, :1, :1, [+@read, +@string, +@fast], [], [["flags", [+RO, +access], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]');
      assert.equal(await c.text('command', 'info', 'mset', 'nosuch'),
        '[["mset", :-3, [+write, +denyoom], :1, :-1, :2, [+@write, +@string, +@slow], [], [["flags", [+RW, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :-1, "keystep", :2, "limit", :0]]]], []], (nil)]');
      const client = await c.call('command', 'info', 'client');
      assert.match(show(client), /"client\|setname"/);
      await c.call('hello', '3');
      const docs = await c.call('command', 'docs', 'get', 'client');
      assert.equal(docs.type, 'map');
      const get = docs.type === 'map' ? docs.value.find(([k]) => show(k) === '"get"')?.[1] : undefined;
      assert.ok(get !== undefined && get.type === 'map');
      const doc = new Map(get.value.map(([k, v]) => [show(k), show(v)]));
      assert.equal(doc.get('"summary"'), '"Returns the string value of a key."');
      assert.equal(doc.get('"since"'), '"1.0.0"');
      assert.equal(doc.get('"group"'), '"string"');
      const info3 = await c.call('command', 'info', 'get');
      assert.match(show(info3), /^\[\["get", :2, ~\[\+readonly, \+fast\]/);
      assert.equal(await c.text('command', 'getkeys', 'mset', 'a', '1', 'b', '2'), '["a", "b"]');
      assert.equal(await c.text('command', 'getkeys', 'memory', 'usage', 'k'), '["k"]');
      assert.equal(await c.text('command', 'getkeys', 'nosuch', 'x'), '-ERR Invalid command specified');
      assert.equal(await c.text('command', 'list', 'filterby', 'pattern', 'getr*'), '["getrange"]');
    } finally {
      c.close();
    }
  });

  test('SLOWLOG records, trims, counts and resets', async () => {
    const c = await RawClient.connect(floe.port);
    try {
      assert.equal(await c.text('config', 'set', 'slowlog-log-slower-than', '0', 'slowlog-max-len', '3'), '+OK');
      assert.equal(await c.text('slowlog', 'reset'), '+OK');
      await c.call('client', 'setname', 'slowpoke');
      await c.call('set', 'slow:k', 'x'.repeat(200));
      await c.call('get', 'slow:k');
      const many = ['del'];
      for (let i = 0; i < 40; i++) many.push(`k${i}`);
      await c.call(...many);
      const len = await c.call('slowlog', 'len');
      assert.ok(len.type === 'int' && len.value === 3n, show(len)); // trimmed to slowlog-max-len
      // SLOWLOG commands are logged too (after they run), as in Redis: the newest is SLOWLOG LEN.
      const got = await c.call('slowlog', 'get', '3');
      assert.ok(got.type === 'array' && got.value !== null && got.value.length === 3, show(got));
      const [newest, del, older] = got.value as [RespValue, RespValue, RespValue];
      assert.match(show(newest), /"slowlog", "len"/);
      assert.ok(del.type === 'array' && del.value !== null && del.value.length === 6);
      const [id, when, dur, args, addr, name] = del.value as RespValue[];
      assert.ok(id?.type === 'int' && when?.type === 'int' && dur?.type === 'int');
      assert.ok(Math.abs(Number(when.value) - Date.now() / 1000) < 60);
      assert.ok(args?.type === 'array' && args.value !== null && args.value.length === 32, show(args as RespValue));
      assert.equal(show(args.value[31] as RespValue), '"... (10 more arguments)"');
      assert.equal(show(addr as RespValue), `"127.0.0.1:${c.socket.localPort}"`);
      assert.equal(show(name as RespValue), '"slowpoke"');
      assert.ok(older.type === 'array' && older.value !== null);
      assert.equal(show(older.value[3] as RespValue), '["get", "slow:k"]');
      // A long argument is cut at 128 bytes with a note of how much was left out.
      await c.call('set', 'slow:k', 'x'.repeat(200));
      const setEntry = await c.call('slowlog', 'get', '1');
      assert.match(show(setEntry), /\["set", "slow:k", "x{128}\.\.\. \(72 more bytes\)"\]/);
      assert.equal(await c.text('slowlog', 'reset'), '+OK');
      const after = await c.call('slowlog', 'len');
      assert.ok(after.type === 'int' && after.value <= 1n);
      assert.equal(await c.text('slowlog', 'get', '-2'), '-ERR count should be greater than or equal to -1');
    } finally {
      await c.call('config', 'set', 'slowlog-log-slower-than', '10000', 'slowlog-max-len', '128');
      c.close();
    }
  });

  test('redis-cli works against Floe', { skip: redisCliPath() === null ? 'redis-cli is not installed (apt-get install redis-tools)' : false }, async () => {
    const cli = redisCliPath() as string;
    const p = String(floe.port);
    const opts = { timeout: 15_000 };
    assert.equal((await run(cli, ['-p', p, '--no-raw', 'set', 'cli:a', 'b'], opts)).stdout, 'OK\n');
    assert.equal((await run(cli, ['-p', p, '--no-raw', 'get', 'cli:a'], opts)).stdout, '"b"\n');
    assert.equal((await run(cli, ['-p', p, '--no-raw', 'get', 'cli:none'], opts)).stdout, '(nil)\n');
    assert.equal((await run(cli, ['-p', p, '--no-raw', 'incr', 'cli:a'], opts)).stdout, '(error) ERR value is not an integer or out of range\n');
    assert.equal((await run(cli, ['-3', '-p', p, '--no-raw', 'hello', '3'], opts)).stdout.split('\n')[0], '1# "server" => "floe"');
    const piped = await new Promise<string>((resolve, reject) => {
      const child = execFile(cli, ['-p', p], opts, (e, stdout) => (e !== null ? reject(e) : resolve(stdout)));
      child.stdin?.end('PING\nset cli:b 5\nincrby cli:b 3\n');
    });
    assert.equal(piped, 'PONG\nOK\n8\n');
    const scan = await run(cli, ['-p', p, '--scan', '--pattern', 'cli:*'], opts);
    assert.deepEqual(scan.stdout.trim().split('\n').sort(), ['cli:a', 'cli:b']);
    const big = await run(cli, ['-p', p, '--bigkeys'], opts);
    assert.match(big.stdout, /strings with \d+ bytes/);
    const mem = await run(cli, ['-p', p, '--memkeys'], opts);
    assert.match(mem.stdout, /strings with \d+ bytes/);
    const info = await run(cli, ['-p', p, 'info', 'server'], opts);
    assert.match(info.stdout, /redis_version:7\.2\.0/);
  });

  test('interactive redis-cli starts cleanly (its COMMAND DOCS help load included)', { skip: redisCliPath() === null || spawnSync('sh', ['-c', 'command -v script']).status !== 0 ? 'redis-cli or script(1) is not installed' : false }, async () => {
    const cli = redisCliPath() as string;
    const admin = await RawClient.connect(floe.port);
    try {
      const errorsBefore = Number(/total_error_replies:(\d+)/.exec(bulkText(await admin.call('INFO', 'stats')))?.[1]);
      // script(1) gives redis-cli a terminal, so it runs its interactive loop (TERM=dumb keeps
      // linenoise from querying the cursor position).
      const out = await new Promise<string>((resolve, reject) => {
        const child = execFile('script', ['-qec', `TERM=dumb ${cli} -p ${floe.port}`, '/dev/null'], { timeout: 15_000 }, (e, stdout) => (e !== null ? reject(e) : resolve(stdout)));
        child.stdin?.end('set cli:tty hello\rget cli:tty\rquit\r');
      });
      assert.match(out, /127\.0\.0\.1:\d+> OK/);
      assert.match(out, /"hello"/);
      const errorsAfter = Number(/total_error_replies:(\d+)/.exec(bulkText(await admin.call('INFO', 'stats')))?.[1]);
      assert.equal(errorsAfter, errorsBefore, 'redis-cli got an error reply while starting');
    } finally {
      admin.close();
    }
  });
});
