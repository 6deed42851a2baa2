// WAL micro benchmark: records/s and fdatasyncs/s for a few batch sizes, appended one batch
// at a time (the driver's pattern: one Ready per tick) and by many concurrent appenders
// (group commit at work). Run: node_modules/.bin/node bench/wal.bench.ts [seconds-per-case]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NodeDisk } from '../src/io/node/disk.ts';
import { FaultyDisk } from '../src/storage/testing/faulty-disk.ts';
import { openWal } from '../src/storage/wal.ts';
import type { WalRecord } from '../src/storage/types.ts';
import { crc32c } from '../src/util/crc32c.ts';

const secondsPerCase = Number(process.argv[2] ?? 2);
const payloadBytes = 100; // a small SET, roughly
const batchSizes = [1, 16, 128, 1024];
const concurrentAppenders = 64;

interface Result { name: string; records: number; syncs: number; seconds: number }

type Append = (records: WalRecord[]) => Promise<void>;

async function run(name: string, fsync: 'always' | 'everysec', body: (append: Append, next: () => WalRecord) => Promise<void>): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), 'floe-wal-bench-'));
  try {
    const disk = new FaultyDisk(new NodeDisk()); // used only to count fdatasyncs
    const { wal } = await openWal({ disk, dir, fsync });
    let index = 0;
    const payload = Buffer.alloc(payloadBytes, 0x61);
    const next = (): WalRecord => ({ type: 'entry', group: 1, term: 1, index: ++index, kind: 0, data: payload });
    const syncs0 = disk.counts.datasync;
    const t0 = performance.now();
    // everysec: the driver's clock would call maybeSync every tick; here every append does.
    await body((r) => {
      const done = wal.append(r);
      wal.maybeSync(performance.now());
      return done;
    }, next);
    await wal.sync();
    const seconds = (performance.now() - t0) / 1000;
    const result = { name, records: index, syncs: disk.counts.datasync - syncs0, seconds };
    await wal.close();
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function until(): () => boolean {
  const end = performance.now() + secondsPerCase * 1000;
  return () => performance.now() < end;
}

async function main(): Promise<void> {
  const results: Result[] = [];
  for (const fsync of ['always', 'everysec'] as const) {
    for (const size of batchSizes) {
      results.push(await run(`${fsync}, sequential batches of ${size}`, fsync, async (append, next) => {
        for (const going = until(); going();) await append(Array.from({ length: size }, next));
      }));
    }
  }
  results.push(await run(`always, ${concurrentAppenders} concurrent single-record appenders`, 'always', async (append, next) => {
    const going = until();
    await Promise.all(Array.from({ length: concurrentAppenders }, async () => {
      while (going()) await append([next()]);
    }));
  }));
  console.log('case'.padEnd(56), 'records/s'.padStart(12), 'syncs/s'.padStart(10), 'records/sync'.padStart(13));
  for (const r of results) {
    console.log(r.name.padEnd(56), Math.round(r.records / r.seconds).toString().padStart(12),
      Math.round(r.syncs / r.seconds).toString().padStart(10), (r.syncs ? (r.records / r.syncs).toFixed(1) : '-').padStart(13));
  }
  const block = Buffer.alloc(1024 * 1024, 7);
  crc32c(block); // warm up
  const t0 = performance.now();
  for (let i = 0; i < 256; i++) crc32c(block);
  console.log(`crc32c: ${Math.round(256 / ((performance.now() - t0) / 1000))} MiB/s`);
}

await main();
