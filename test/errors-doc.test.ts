// Every operating error code is documented: docs/errors.md lists exactly the codes that
// src/util/errors.ts defines (as fastify checks its error codes), each with a description.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes } from '../src/util/errors.ts';

const DOC = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'errors.md');

test('docs/errors.md documents every FloeError code and no other', () => {
  const text = readFileSync(DOC, 'utf8');
  const rows = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^\| `(FLOE_ERR_[A-Z_]+)` \|(.*)\|$/.exec(line);
    if (m !== null) rows.set(m[1] as string, (m[2] as string).split('|').map((c) => c.trim()));
  }
  const defined = Object.keys(ErrorCodes).sort();
  assert.deepEqual([...rows.keys()].sort(), defined, 'the table in docs/errors.md and ErrorCodes differ');
  for (const [code, cells] of rows) {
    assert.ok(cells.length >= 3 && cells.every((c) => c.length > 0), `${code}: every column needs text`);
    assert.equal(cells[0], ErrorCodes[code as keyof typeof ErrorCodes], `${code}: the meaning column should match errors.ts`);
  }
});

test('every code mentioned anywhere in docs/errors.md exists', () => {
  const mentioned = new Set(readFileSync(DOC, 'utf8').match(/FLOE_ERR_[A-Z_]+/g) ?? []);
  for (const code of mentioned) assert.ok(code in ErrorCodes, `${code} is documented but not defined`);
});
