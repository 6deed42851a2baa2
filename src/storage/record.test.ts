import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord, encodedRecordBytes, encodeRecord, recordHeaderBytes } from './record.ts';
import type { WalRecord } from './types.ts';
import { AssertionFailed } from '../util/assert.ts';

const samples: WalRecord[] = [
  { type: 'entry', group: 7, term: 3, index: 42, kind: 2, data: Buffer.from('SET k v') },
  { type: 'entry', group: 0xffffffff, term: 2 ** 53 - 1, index: 2 ** 40 + 5, kind: 0, data: Buffer.alloc(0) },
  { type: 'hardState', group: 1, term: 9, vote: 2, commit: 40 },
  { type: 'hardState', group: 1, term: 10, vote: 0, commit: 41 },
  { type: 'snapshot', group: 3, term: 4, index: 1000 },
  { type: 'truncate', group: 3, term: 5, index: 17 },
  { type: 'dropGroup', group: 12 },
];

function encode(records: WalRecord[]): Buffer {
  const buf = Buffer.alloc(records.reduce((n, r) => n + encodedRecordBytes(r), 0));
  let at = 0;
  for (const r of records) at = encodeRecord(r, buf, at);
  assert.equal(at, buf.length);
  return buf;
}

test('every record type round-trips through encode and decode', () => {
  const buf = encode(samples);
  let at = 0;
  for (const expected of samples) {
    const res = decodeRecord(buf, at, buf.length);
    assert.equal(res.status, 'ok');
    if (res.status !== 'ok') return;
    assert.deepEqual(res.record, expected);
    at = res.end;
  }
  assert.equal(at, buf.length);
});

test('the header is 32 bytes and the layout matches docs/storage.md', () => {
  const buf = encode([{ type: 'entry', group: 0x01020304, term: 5, index: 6, kind: 7, data: Buffer.from('ab') }]);
  assert.equal(buf.length, recordHeaderBytes + 2);
  assert.equal(buf.readUInt32LE(0), 24 + 2); // length counts type..payload
  assert.equal(buf[8], 1); // type entry
  assert.equal(buf[9], 7); // kind
  assert.equal(buf.readUInt32LE(12), 0x01020304);
  assert.equal(buf.readUInt32LE(16), 5);
  assert.equal(buf.readUInt32LE(24), 6);
  assert.equal(buf.toString('utf8', 32), 'ab');
});

test('any flipped bit is caught; a cut record is short', () => {
  const buf = encode([samples[0] as WalRecord]);
  for (let byte = 0; byte < buf.length; byte++) {
    for (const bit of [0, 3, 7]) {
      const copy = Buffer.from(buf);
      copy[byte] = (copy[byte] as number) ^ (1 << bit);
      assert.notEqual(decodeRecord(copy, 0, copy.length).status, 'ok', `byte ${byte} bit ${bit}`);
    }
  }
  for (let cut = 0; cut < buf.length; cut++) assert.equal(decodeRecord(buf, 0, cut).status, 'short', `cut at ${cut}`);
});

test('malformed records are refused before they reach the disk', () => {
  const buf = Buffer.alloc(1024);
  const bad: WalRecord[] = [
    { type: 'entry', group: 1, term: 1, index: 0, kind: 0, data: Buffer.alloc(0) },
    { type: 'entry', group: -1, term: 1, index: 1, kind: 0, data: Buffer.alloc(0) },
    { type: 'entry', group: 1, term: 1.5, index: 1, kind: 0, data: Buffer.alloc(0) },
    { type: 'entry', group: 1, term: 1, index: 2 ** 53, kind: 0, data: Buffer.alloc(0) },
    { type: 'entry', group: 1, term: 1, index: 1, kind: 256, data: Buffer.alloc(0) },
    { type: 'hardState', group: 1, term: 1, vote: -1, commit: 0 },
    { type: 'truncate', group: 1, term: 1, index: 0 },
  ];
  for (const r of bad) assert.throws(() => encodeRecord(r, buf, 0), AssertionFailed, JSON.stringify(r));
});
