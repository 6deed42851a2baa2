// Byte layout of WAL records and segment headers (docs/storage.md has the table), with the
// encoder and the decoder. Pure functions over Buffers: no I/O, so they are easy to test.

import { assert } from '../util/assert.ts';
import { crc32c } from '../util/crc32c.ts';
import { groupIdMax, recordPayloadBytesMax } from './constants.ts';
import type { WalRecord } from './types.ts';

/** length u32 + crc u32 + type u8 + kind u8 + reserved u16 + group u32 + term u64 + index u64. */
export const recordHeaderBytes = 32;
/** The length field counts the bytes after length and crc. */
const lengthPrefixBytes = 8;
export const recordBodyBytesMin = recordHeaderBytes - lengthPrefixBytes;

export const segmentMagic = 0x574c4c46; // "FLLW" read as little-endian bytes: F L L W
export const segmentVersion = 1;
/** magic u32 + version u16 + reserved u16 + segment sequence u64. */
export const segmentHeaderBytes = 16;

const typeCodes = { entry: 1, hardState: 2, snapshot: 3, truncate: 4, dropGroup: 5 } as const;
const typeNames = [null, 'entry', 'hardState', 'snapshot', 'truncate', 'dropGroup'] as const;
const twoTo32 = 0x100000000;

/** A hard-state record's payload is the vote, a u64 node id (0: none). */
const votePayloadBytes = 8;

function payloadBytes(record: WalRecord): number {
  if (record.type === 'entry') return record.data.length;
  return record.type === 'hardState' ? votePayloadBytes : 0;
}

export function encodedRecordBytes(record: WalRecord): number {
  return recordHeaderBytes + payloadBytes(record);
}

function writeU64(buf: Buffer, value: number, at: number): void {
  buf.writeUInt32LE(value >>> 0, at);
  buf.writeUInt32LE(Math.floor(value / twoTo32), at + 4);
}

function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * twoTo32;
}

function isU64Safe(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Asserts what the Raft core must never produce; run right before encoding. */
function assertWritable(record: WalRecord, payload: number): void {
  assert(Number.isInteger(record.group) && record.group >= 0 && record.group <= groupIdMax, `bad group ${record.group}`);
  assert(payload <= recordPayloadBytesMax, `record payload ${payload} bytes exceeds the limit`);
  if (record.type === 'dropGroup') return;
  assert(isU64Safe(record.term), `bad term ${record.term}`);
  const index = record.type === 'hardState' ? record.commit : record.index;
  assert(isU64Safe(index), `bad index ${index}`);
  if (record.type === 'entry') {
    assert(record.index >= 1, 'entry index must be ≥ 1');
    assert(Number.isInteger(record.kind) && record.kind >= 0 && record.kind <= 255, `bad entry kind ${record.kind}`);
  }
  if (record.type === 'truncate') assert(record.index >= 1, 'truncate index must be ≥ 1');
  if (record.type === 'hardState') assert(isU64Safe(record.vote), `bad vote ${record.vote}`);
}

/** Encodes `record` into `buf` at `at` (the caller sized it); returns the end offset. */
export function encodeRecord(record: WalRecord, buf: Buffer, at: number): number {
  const payload = payloadBytes(record);
  assertWritable(record, payload);
  const end = at + recordHeaderBytes + payload;
  assert(end <= buf.length, 'encode buffer too small');
  buf.writeUInt32LE(recordBodyBytesMin + payload, at);
  buf[at + 8] = typeCodes[record.type];
  buf[at + 9] = record.type === 'entry' ? record.kind : 0;
  buf.writeUInt16LE(0, at + 10);
  buf.writeUInt32LE(record.group, at + 12);
  writeU64(buf, record.type === 'dropGroup' ? 0 : record.term, at + 16);
  const index = record.type === 'hardState' ? record.commit : record.type === 'dropGroup' ? 0 : record.index;
  writeU64(buf, index, at + 24);
  if (record.type === 'entry') buf.set(record.data, at + recordHeaderBytes);
  else if (record.type === 'hardState') writeU64(buf, record.vote, at + recordHeaderBytes);
  buf.writeUInt32LE(recordCrc(buf, at, end), at + 4);
  return end;
}

/** CRC32C over the length field and the body, skipping the crc field itself. */
function recordCrc(buf: Buffer, at: number, end: number): number {
  return crc32c(buf, crc32c(buf, 0, at, at + 4), at + lengthPrefixBytes, end);
}

export type DecodeResult =
  | { status: 'ok'; record: WalRecord; end: number }
  /** The bytes at `at` cannot be a whole record yet: fewer than a header, or the length runs past `end`. */
  | { status: 'short'; needBytes: number }
  /** Not a record: implausible header or checksum mismatch. */
  | { status: 'bad'; reason: string };

/**
 * Decodes the record at `buf[at..]`, where `buf[..end)` holds valid read data. Copies the
 * payload, so `buf` may be reused afterwards.
 */
export function decodeRecord(buf: Buffer, at: number, end: number): DecodeResult {
  if (end - at < recordHeaderBytes) return { status: 'short', needBytes: recordHeaderBytes };
  const bodyBytes = buf.readUInt32LE(at);
  if (bodyBytes < recordBodyBytesMin || bodyBytes > recordBodyBytesMin + recordPayloadBytesMax) {
    return { status: 'bad', reason: `implausible record length ${bodyBytes}` };
  }
  // Cheap plausibility checks first, so that scanning garbage for records rarely needs a CRC.
  const typeCode = buf[at + 8] as number;
  if (typeCode < 1 || typeCode >= typeNames.length) return { status: 'bad', reason: `unknown record type ${typeCode}` };
  if (buf.readUInt16LE(at + 10) !== 0) return { status: 'bad', reason: 'reserved bits set' };
  const total = lengthPrefixBytes + bodyBytes;
  if (end - at < total) return { status: 'short', needBytes: total };
  if (recordCrc(buf, at, at + total) !== buf.readUInt32LE(at + 4)) return { status: 'bad', reason: 'checksum mismatch' };
  const parsed = parseBody(buf, at, at + total);
  if (typeof parsed === 'string') return { status: 'bad', reason: parsed };
  return { status: 'ok', record: parsed, end: at + total };
}

/** Interprets a record whose checksum matched; a string result names what is wrong. */
function parseBody(buf: Buffer, at: number, end: number): WalRecord | string {
  const type = typeNames[buf[at + 8] as number];
  if (type === undefined || type === null) return `unknown record type ${buf[at + 8]}`;
  const kind = buf[at + 9] as number;
  if (type !== 'entry' && kind !== 0) return 'kind set on a non-entry record';
  const group = buf.readUInt32LE(at + 12);
  const term = readU64(buf, at + 16);
  const index = readU64(buf, at + 24);
  if (!isU64Safe(term) || !isU64Safe(index)) return 'term or index beyond 2^53';
  const payloadStart = at + recordHeaderBytes;
  if (type === 'entry') {
    if (index < 1) return 'entry index 0';
    const data = Buffer.allocUnsafe(end - payloadStart);
    buf.copy(data, 0, payloadStart, end);
    return { type, group, term, index, kind, data };
  }
  if (type === 'hardState') {
    if (end - payloadStart !== votePayloadBytes) return 'hard state without an 8-byte vote';
    const vote = readU64(buf, payloadStart);
    if (!isU64Safe(vote)) return 'vote beyond 2^53';
    return { type, group, term, vote, commit: index };
  }
  if (end !== payloadStart) return `unexpected payload on a ${type} record`;
  if (type === 'dropGroup') return term === 0 && index === 0 ? { type, group } : 'term or index on a dropGroup record';
  if (type === 'truncate' && index < 1) return 'truncate index 0';
  return { type, group, term, index };
}

export function encodeSegmentHeader(seq: number, buf: Buffer, at: number): number {
  assert(isU64Safe(seq), 'bad segment sequence');
  buf.writeUInt32LE(segmentMagic, at);
  buf.writeUInt16LE(segmentVersion, at + 4);
  buf.writeUInt16LE(0, at + 6);
  writeU64(buf, seq, at + 8);
  return at + segmentHeaderBytes;
}

/** Null if the header is well formed and names `seq`; else what is wrong with it. */
export function checkSegmentHeader(buf: Buffer, seq: number): string | null {
  if (buf.length < segmentHeaderBytes) return 'segment header incomplete';
  if (buf.readUInt32LE(0) !== segmentMagic) return 'bad segment magic';
  if (buf.readUInt16LE(4) !== segmentVersion) return `unsupported segment version ${buf.readUInt16LE(4)}`;
  if (buf.readUInt16LE(6) !== 0) return 'reserved bits set in the segment header';
  if (readU64(buf, 8) !== seq) return `segment header names sequence ${readU64(buf, 8)}, file name ${seq}`;
  return null;
}
