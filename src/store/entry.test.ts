import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEntry, encodeEntry, ENTRY_COMMANDS, ENTRY_EVICT, type StoreEntry } from './entry.ts';

test('command and delete entries round-trip, binary-safe', () => {
  const bin = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
  const entries: StoreEntry[] = [
    { kind: ENTRY_COMMANDS, timeMs: 1_700_000_000_123, origin: 2, commands: [['set', 'k', bin], ['incr', 'n']] },
    { kind: ENTRY_COMMANDS, timeMs: 0, origin: 0, commands: [] },
    { kind: ENTRY_EVICT, timeMs: 5, origin: 1, keys: ['a', '', bin] },
  ];
  for (const e of entries) assert.deepEqual(decodeEntry(encodeEntry(e)), e);
});

test('a truncated entry fails loudly', () => {
  const buf = encodeEntry({ kind: ENTRY_COMMANDS, timeMs: 1, origin: 1, commands: [['get', 'key']] });
  assert.throws(() => decodeEntry(buf.subarray(0, buf.length - 1)));
});
