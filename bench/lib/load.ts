// Bulk loading for scenarios that need a populated keyspace: pipelined SETs over one
// connection, a bounded number of batches in flight, keys `key:<10 digits>`.

import { RespClient, RespError, encodeCommand, type Reply } from './resp.ts';

const batchCommands = 1_000;
const batchesInFlight = 4;

export function keyName(i: number): string {
  return `key:${String(i).padStart(10, '0')}`;
}

export type LoadResult = { written: number; errors: number; firstError?: string };

/** SETs keys [0, count) to `value`; `extra` is appended to every SET (e.g. EX 3600). */
export async function loadKeys(c: RespClient, count: number, value: Buffer, extra: readonly string[] = []): Promise<LoadResult> {
  const result: LoadResult = { written: 0, errors: 0 };
  let next = 0;
  const sendBatch = (): Promise<void> => {
    const from = next;
    const to = Math.min(count, from + batchCommands);
    next = to;
    const frames: Buffer[] = [];
    for (let i = from; i < to; i++) frames.push(encodeCommand(['SET', keyName(i), value, ...extra]));
    return new Promise((resolve) => {
      let left = to - from;
      const onReply = (r: Reply): void => {
        if (r instanceof RespError) {
          result.errors++;
          result.firstError ??= r.message;
        } else result.written++;
        if (--left === 0) resolve();
      };
      c.sendBatch(Buffer.concat(frames), to - from, onReply);
    });
  };
  const workers = Array.from({ length: batchesInFlight }, async () => {
    while (next < count) await sendBatch();
  });
  await Promise.all(workers);
  return result;
}
