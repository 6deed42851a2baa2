// Replays a key trace against a cache the way an application does cache-aside: GET the key;
// on a miss, SET it. Each request is sent as `GET k` followed by `SET k v NX EX ttl`, and
// requests are pipelined in windows: the server executes commands in order, so a GET sees
// every earlier SET exactly as if the client had waited — the same command stream for every
// system, at pipeline speed. NX makes the SET a no-op on a hit (it still touches the key,
// which for LRU changes nothing and for LFU counts a hit twice, identically everywhere).

import { RespClient, RespError, encodeCommand, type Reply } from './resp.ts';
import { keyName } from './load.ts';

const windowRequests = 128;
/** Every key gets a TTL so that volatile-* policies have candidates; it never expires in a run. */
export const replayTtlSec = 86_400;

export type ReplayResult = { gets: number; hits: number; setErrors: number; firstError?: string };

export async function replayCacheAside(c: RespClient, trace: Uint32Array, value: Buffer, warmupRequests: number): Promise<ReplayResult> {
  const r: ReplayResult = { gets: 0, hits: 0, setErrors: 0 };
  const ttl = String(replayTtlSec);
  for (let from = 0; from < trace.length; from += windowRequests) {
    const to = Math.min(trace.length, from + windowRequests);
    const frames: Buffer[] = [];
    for (let i = from; i < to; i++) {
      const key = keyName(trace[i] ?? 0);
      frames.push(encodeCommand(['GET', key]), encodeCommand(['SET', key, value, 'NX', 'EX', ttl]));
    }
    const replies = await sendAll(c, Buffer.concat(frames), (to - from) * 2);
    for (let i = from; i < to; i++) {
      const get = replies[(i - from) * 2];
      const set = replies[(i - from) * 2 + 1];
      if (get instanceof RespError) throw new Error(`GET failed during replay: ${get.message}`);
      if (set instanceof RespError) {
        r.setErrors++;
        r.firstError ??= set.message;
      }
      if (i < warmupRequests) continue;
      r.gets++;
      if (get !== null) r.hits++;
    }
  }
  return r;
}

function sendAll(c: RespClient, bytes: Buffer, count: number): Promise<Reply[]> {
  return new Promise((resolve) => {
    const replies: Reply[] = [];
    c.sendBatch(bytes, count, (reply) => {
      replies.push(reply);
      if (replies.length === count) resolve(replies);
    });
  });
}
