// `floe server`: reads settings (defaults < YAML file < FLOE_* environment < flags), starts a
// node and stops it cleanly on SIGINT/SIGTERM. A bad setting stops start-up with one message
// that names it.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { FLOE_VERSION } from '../constants.ts';
import { Config, CONFIG_PARAMS } from '../server/config.ts';
import { FloeNode } from '../server/node.ts';
import { FloeError } from '../util/errors.ts';

const HELP = `usage: floe server [--config floe.yaml] [--<setting> <value> ...]

Settings (also FLOE_<SETTING> in the environment, e.g. FLOE_PORT=7000, or keys in the YAML file):
${CONFIG_PARAMS.map((p) => `  --${p.name.padEnd(28)} ${p.doc} (default: ${JSON.stringify(p.default)})`).join('\n')}
`;

export function envName(setting: string): string {
  return 'FLOE_' + setting.toUpperCase().replace(/-/g, '_');
}

/** Builds the configuration from all sources; throws FloeError naming the bad setting. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const flags = new Map<string, string>();
  let file = env.FLOE_CONFIG ?? '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) throw new FloeError('FLOE_ERR_CONFIG', `unexpected argument '${a}' (settings are --name value)`);
    const eq = a.indexOf('=');
    const name = (eq > 0 ? a.slice(2, eq) : a.slice(2)).toLowerCase();
    let value: string;
    if (eq > 0) value = a.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new FloeError('FLOE_ERR_CONFIG', `setting '--${name}' needs a value`);
      value = next;
      i++;
    }
    if (name === 'config') file = value;
    else if (!Config.has(name)) throw new FloeError('FLOE_ERR_CONFIG', `unknown setting '--${name}' (see floe server --help)`);
    else flags.set(name, value);
  }
  const config = new Config();
  if (file !== '') {
    loadYaml(config, file);
    config.file = file;
  }
  for (const p of CONFIG_PARAMS) {
    const v = env[envName(p.name)];
    if (v !== undefined) config.setFromSource(p.name, v, `environment ${envName(p.name)}`);
  }
  for (const [name, value] of flags) config.setFromSource(name, value, `flag --${name}`);
  return config;
}

function loadYaml(config: Config, file: string): void {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    // The YAML parser's message quotes the offending lines; the first line says what and where.
    const why = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
    throw new FloeError('FLOE_ERR_CONFIG', `cannot read config file ${file}: ${why}`);
  }
  if (doc === null || doc === undefined) return;
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new FloeError('FLOE_ERR_CONFIG', `config file ${file} must be a mapping of setting: value`);
  }
  for (const [rawKey, value] of Object.entries(doc as Record<string, unknown>)) {
    const key = rawKey.toLowerCase().replace(/_/g, '-');
    if (!Config.has(key)) throw new FloeError('FLOE_ERR_CONFIG', `unknown setting '${rawKey}' in ${file}`);
    if (typeof value === 'object' && value !== null) {
      throw new FloeError('FLOE_ERR_CONFIG', `setting '${rawKey}' in ${file} must be a single value`);
    }
    config.setFromSource(key, String(value ?? ''), `config file ${file}`);
  }
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig(argv, process.env);
  } catch (e) {
    if (e instanceof FloeError) {
      process.stderr.write(`floe server: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const node = new FloeNode(config);
  let ports: { port: number; tlsPort: number };
  try {
    ports = await node.start();
  } catch (e) {
    process.stderr.write(`floe server: ${e instanceof Error ? e.message : String(e)}\n`);
    await node.stop();
    return 1;
  }
  const bind = config.str('bind');
  const tls = ports.tlsPort > 0 ? `, TLS on ${bind}:${ports.tlsPort}` : '';
  process.stdout.write(`Floe ${FLOE_VERSION} ready on ${bind}:${ports.port}${tls} (pid ${process.pid})\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await node.stop();
  process.stdout.write('Floe stopped\n');
  return 0;
}
