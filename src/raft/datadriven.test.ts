// Runs every script in src/raft/testdata/ through the interaction harness and compares the
// output with the expected text. FLOE_REWRITE=1 rewrites the scripts with the actual output
// instead; review the diff by hand, since the expected output is the specification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScript, renderScript } from './datadriven.ts';
import { InteractionEnv } from './interaction.ts';

const dir = join(import.meta.dirname, 'testdata');
const rewrite = process.env['FLOE_REWRITE'] === '1';

for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
  test(`raft script ${file}`, () => {
    const path = join(dir, file);
    const script = parseScript(readFileSync(path, 'utf8'));
    const env = new InteractionEnv();
    const outputs: string[] = [];
    for (const d of script.directives) {
      let actual: string;
      try {
        actual = env.run(d);
      } catch (e) {
        throw new Error(`${file}:${d.line}: ${d.raw}: ${e instanceof Error ? e.stack : String(e)}`, { cause: e });
      }
      if (!file.startsWith('mutant') && actual.includes('VIOLATION')) assert.fail(`${file}:${d.line}: ${d.raw}:\n${actual}`);
      outputs.push(actual === '' ? 'ok' : actual);
      if (!rewrite) assert.equal(outputs[outputs.length - 1], d.expected, `${file}:${d.line}: ${d.raw}`);
    }
    if (rewrite) writeFileSync(path, renderScript(script, outputs));
  });
}
