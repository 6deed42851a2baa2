// Expiry arguments shared by SET, GETEX, SETEX and the EXPIRE family: relative and absolute
// times in seconds or milliseconds become an absolute expire-at in ms, with Redis's overflow
// rules and error text.

import { err, ERR_NOT_INTEGER, type ErrorReply } from '../protocol/reply.ts';
import { parseBigInt } from './args.ts';

export type TtlUnit = 'EX' | 'PX' | 'EXAT' | 'PXAT';

const LLONG_MAX = 9223372036854775807n;

export function invalidExpire(cmdName: string): ErrorReply {
  return err(`ERR invalid expire time in '${cmdName}' command`);
}

/**
 * The absolute expire-at (ms) for `value` in `unit`, or an error. `allowNonPositive` is for the
 * EXPIRE family, where a time in the past deletes the key instead of being an error.
 */
export function expireAtMs(
  unit: TtlUnit, value: string, nowMs: number, cmdName: string, allowNonPositive = false,
): number | ErrorReply {
  const n = parseBigInt(value);
  if (n === null) return ERR_NOT_INTEGER;
  if (!allowNonPositive && n <= 0n) return invalidExpire(cmdName);
  const seconds = unit === 'EX' || unit === 'EXAT';
  if (seconds && (n > LLONG_MAX / 1000n || n < -LLONG_MAX / 1000n)) return invalidExpire(cmdName);
  let ms = seconds ? n * 1000n : n;
  if (unit === 'EX' || unit === 'PX') {
    const now = BigInt(nowMs);
    if (ms > LLONG_MAX - now) return invalidExpire(cmdName);
    ms += now;
  }
  return Number(ms);
}
