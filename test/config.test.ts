// Configuration of a real floe process: defaults < YAML file < FLOE_* environment < flags, the
// port from --port or FLOE_PORT, memory units, and start-up refusing a bad value with one clear
// message that names the setting and a non-zero exit.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnFloe } from './helpers/server.ts';
import { RawClient, show } from './helpers/resp.ts';
import { loadConfig } from '../src/cli/server.ts';
import { FloeError } from '../src/util/errors.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const READY_TIMEOUT_MS = 15_000;
const EXIT_TIMEOUT_MS = 15_000;
const dir = mkdtempSync(join(tmpdir(), 'floe-config-'));

function yamlFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Starts `floe server` with args and env, returns the CONFIG GET values asked for, stops it. */
async function configOf(args: string[], env: NodeJS.ProcessEnv, names: string[], expectPort?: number): Promise<Record<string, string>> {
  const { proc, output } = spawnFloe(['server', ...args], env);
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let m: RegExpExecArray | null = null;
    while ((m = /ready on [^:]+:(\d+)/.exec(output())) === null) {
      if (proc.exitCode !== null) throw new Error(`floe server exited (${proc.exitCode}): ${output()}`);
      assert.ok(Date.now() < deadline, `floe server did not start: ${output()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const port = Number(m[1]);
    if (expectPort !== undefined) assert.equal(port, expectPort);
    const c = await RawClient.connect(port);
    try {
      const out: Record<string, string> = {};
      for (const n of names) {
        const r = await c.call('CONFIG', 'GET', n);
        assert.ok(r.type === 'array' && r.value !== null && r.value.length === 2, show(r));
        const v = r.value[1];
        out[n] = v?.type === 'bulk' ? v.value ?? '' : '';
      }
      return out;
    } finally {
      c.close();
    }
  } finally {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    }
  }
}

/** Runs `floe server` expecting it to refuse to start; returns its exit code and output. */
async function refusal(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  const { proc, output } = spawnFloe(['server', ...args], env);
  const timer = setTimeout(() => proc.kill('SIGKILL'), EXIT_TIMEOUT_MS);
  const [code] = (await once(proc, 'exit')) as [number | null];
  clearTimeout(timer);
  assert.doesNotMatch(output(), /ready on/, 'the server started although it should not have');
  return { code: code ?? -1, out: output() };
}

describe('configuration sources', () => {
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const NAMES = ['maxmemory-policy', 'maxmemory', 'hz', 'maxclients', 'slowlog-max-len'];

  test('defaults, then YAML, then environment, then flags; FLOE_PORT and --port pick the port', async () => {
    const yaml = yamlFile('floe.yaml', [
      'maxmemory-policy: allkeys-lru',
      'maxmemory: 2mb',
      'hz: 20',
      'maxclients: 500',
      'slowlog_max_len: 7 # underscores work too',
    ].join('\n'));
    const [p1, p2, p3, p4, p5] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    const env = { FLOE_MAXMEMORY_POLICY: 'allkeys-lfu', FLOE_HZ: '30' };
    const NAMES_AND_PORT = [...NAMES, 'port'];
    const [defaults, fromYaml, fromEnv, fromFlags] = await Promise.all([
      configOf(['--port', String(p1)], {}, NAMES_AND_PORT, p1),
      // FLOE_CONFIG names the file and FLOE_PORT the port when no flag does.
      configOf([], { FLOE_CONFIG: yaml, FLOE_PORT: String(p2) }, NAMES_AND_PORT, p2),
      configOf(['--config', yaml], { ...env, FLOE_PORT: String(p3) }, NAMES_AND_PORT, p3),
      // A flag beats FLOE_PORT too.
      configOf(['--port', String(p4), '--config', yaml, '--maxmemory-policy', 'volatile-lru', '--maxclients=42'], { ...env, FLOE_PORT: String(p5) }, NAMES_AND_PORT, p4),
    ]);
    const mb2 = String(2 * 1024 * 1024);
    assert.deepEqual(defaults, { 'maxmemory-policy': 'noeviction', maxmemory: '0', hz: '10', maxclients: '10000', 'slowlog-max-len': '128', port: String(p1) });
    assert.deepEqual(fromYaml, { 'maxmemory-policy': 'allkeys-lru', maxmemory: mb2, hz: '20', maxclients: '500', 'slowlog-max-len': '7', port: String(p2) });
    assert.deepEqual(fromEnv, { 'maxmemory-policy': 'allkeys-lfu', maxmemory: mb2, hz: '30', maxclients: '500', 'slowlog-max-len': '7', port: String(p3) });
    assert.deepEqual(fromFlags, { 'maxmemory-policy': 'volatile-lru', maxmemory: mb2, hz: '30', maxclients: '42', 'slowlog-max-len': '7', port: String(p4) });
  });

  test('memory values take Redis units', () => {
    const mem = (v: string) => loadConfig(['--maxmemory', v], {}).num('maxmemory');
    assert.equal(mem('100'), 100);
    assert.equal(mem('100k'), 100_000);
    assert.equal(mem('100KB'), 102_400);
    assert.equal(mem('2m'), 2_000_000);
    assert.equal(mem('2mb'), 2 * 1024 * 1024);
    assert.equal(mem('1gb'), 1024 ** 3);
    assert.equal(mem('1G'), 1000 ** 3);
  });

  test('every bad value is refused with a message naming the setting and its source', () => {
    const badYaml = yamlFile('bad.yaml', 'hz: 0\n');
    const unknownYaml = yamlFile('unknown.yaml', 'no-such-setting: 1\n');
    const brokenYaml = yamlFile('broken.yaml', 'hz: [1, 2\n');
    const listYaml = yamlFile('list.yaml', '- hz\n');
    const nestedYaml = yamlFile('nested.yaml', 'hz:\n  a: 1\n');
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--maxmemory-policy', 'bogus'], {}, /^invalid value for 'maxmemory-policy' \(from flag --maxmemory-policy\): "bogus" — argument\(s\) must be one of the following: /],
      [['--port', '70000'], {}, /^invalid value for 'port' \(from flag --port\): "70000" — argument must be between 0 and 65535 inclusive$/],
      [['--maxmemory', 'lots'], {}, /^invalid value for 'maxmemory' \(from flag --maxmemory\)/],
      [['--hz=abc'], {}, /^invalid value for 'hz' \(from flag --hz\): "abc"/],
      [['--appendonly', 'maybe'], {}, /^invalid value for 'appendonly'/],
      [['--client-output-buffer-limit', 'normal 1'], {}, /^invalid value for 'client-output-buffer-limit'/],
      [[], { FLOE_MAXCLIENTS: '0' }, /^invalid value for 'maxclients' \(from environment FLOE_MAXCLIENTS\)/],
      [[], { FLOE_PORT: 'abc' }, /^invalid value for 'port' \(from environment FLOE_PORT\)/],
      [['--config', badYaml], {}, /^invalid value for 'hz' \(from config file .*bad\.yaml\)/],
      [['--config', unknownYaml], {}, /^unknown setting 'no-such-setting' in .*unknown\.yaml$/],
      [['--config', brokenYaml], {}, /^cannot read config file .*broken\.yaml: .+$/],
      [['--config', listYaml], {}, /^config file .*list\.yaml must be a mapping of setting: value$/],
      [['--config', nestedYaml], {}, /^setting 'hz' in .*nested\.yaml must be a single value$/],
      [['--config', join(dir, 'missing.yaml')], {}, /^cannot read config file .*missing\.yaml: ENOENT/],
      [['--no-such-flag', '1'], {}, /^unknown setting '--no-such-flag'/],
      [['--hz'], {}, /^setting '--hz' needs a value$/],
      [['stray'], {}, /^unexpected argument 'stray'/],
    ];
    for (const [args, env, pattern] of cases) {
      const what = `${args.join(' ')} ${JSON.stringify(env)}`;
      assert.throws(() => loadConfig(args, env), (e: unknown) => {
        assert.ok(e instanceof FloeError, what);
        assert.equal(e.code, 'FLOE_ERR_CONFIG', what);
        assert.match(e.message, pattern, what);
        assert.doesNotMatch(e.message, /\n/, `${what}: the message spans lines`);
        return true;
      }, what);
    }
  });

  test('the process refuses to start: one line on stderr, exit status 1', async () => {
    const badYaml = yamlFile('bad2.yaml', 'maxmemory: [1, 2\n');
    // Two processes are enough here: every message is checked in-process above.
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--maxmemory-policy', 'bogus'], {}, /^floe server: invalid value for 'maxmemory-policy' \(from flag --maxmemory-policy\)/],
      [['--config', badYaml], {}, /^floe server: cannot read config file .*bad2\.yaml/],
    ];
    const outcomes = await Promise.all(cases.map(([args, env]) => refusal(args, env)));
    for (const [i, [args, env, pattern]] of cases.entries()) {
      const { code, out } = outcomes[i] as { code: number; out: string };
      const what = `${args.join(' ')} ${JSON.stringify(env)}`;
      assert.equal(code, 1, what);
      assert.match(out, pattern, what);
      assert.equal(out.trim().split('\n').length, 1, `${what}: more than one line:\n${out}`);
    }
  });

  test('a port already in use stops start-up with a message naming it', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const addr = blocker.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    try {
      const { code, out } = await refusal(['--port', String(port)]);
      assert.notEqual(code, 0);
      assert.match(out, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`));
    } finally {
      blocker.close();
    }
  });

  test('--help lists every setting and exits 0; the floe binary runs the server', async () => {
    const help = spawnSync(process.execPath, [join(ROOT, 'src/cli/main.ts'), 'server', '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    for (const s of ['--port', '--bind', '--maxmemory', '--maxmemory-policy', '--requirepass', '--tls-port', '--config']) assert.match(help.stdout, new RegExp(s));
    const port = await freePort();
    // bin/floe.js runs dist/ when `npm ci` built it, the sources otherwise; `npm start` is
    // the build plus this (not run here: compiling the tree would dominate the test's time).
    const bin = spawn(process.execPath, [join(ROOT, 'bin/floe.js'), 'server', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await waitForOutput(bin, `ready on 127.0.0.1:${port}`);
    } finally {
      bin.kill('SIGTERM');
      await once(bin, 'exit');
    }
  });
});

async function waitForOutput(proc: ReturnType<typeof spawn>, text: string): Promise<void> {
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!out.includes(text)) {
    assert.ok(proc.exitCode === null, `exited early: ${out}`);
    assert.ok(Date.now() < deadline, `no "${text}" in: ${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
