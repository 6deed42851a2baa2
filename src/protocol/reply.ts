// Reply values. A handler returns one of these and the writer encodes it for the client's
// protocol version, so the same handler serves RESP2 and RESP3 and a reply can cross the
// cluster bus as data. Strings are one-byte (latin1) strings: every byte of a Redis string is
// one char, so binary data round-trips.

export class SimpleString {
  readonly s: string;
  constructor(s: string) {
    this.s = s;
  }
}

export class ErrorReply {
  /** The whole error line without the leading '-', e.g. "ERR syntax error". */
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** A double: RESP3 `,`; RESP2 a bulk string. */
export class DoubleReply {
  readonly v: number;
  constructor(v: number) {
    this.v = v;
  }
}

/** A map: RESP3 `%`; RESP2 a flat array of key, value, key, value. */
export class MapReply {
  readonly entries: Reply[];
  constructor(entries: Reply[]) {
    this.entries = entries;
  }
}

/** A set: RESP3 `~`; RESP2 an array. */
export class SetReply {
  readonly items: Reply[];
  constructor(items: Reply[]) {
    this.items = items;
  }
}

/** A boolean: RESP3 `#`; RESP2 the integer 1 or 0. */
export class BoolReply {
  readonly v: boolean;
  constructor(v: boolean) {
    this.v = v;
  }
}

/** Verbatim text (INFO, CLIENT LIST): RESP3 `=` with format "txt"; RESP2 a bulk string. */
export class VerbatimReply {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** An out-of-band push (RESP3 `>`); RESP2 clients get an array. */
export class PushReply {
  readonly items: Reply[];
  constructor(items: Reply[]) {
    this.items = items;
  }
}

/** The null array: RESP2 `*-1`, RESP3 `_` (EXEC aborted by WATCH, BLPOP timeout). */
export const NULL_ARRAY = Symbol('null-array');

/**
 * string → bulk string, number/bigint → integer, null → null bulk (RESP3 `_`),
 * array → array.
 */
export type Reply =
  | string
  | number
  | bigint
  | null
  | typeof NULL_ARRAY
  | Reply[]
  | SimpleString
  | ErrorReply
  | DoubleReply
  | MapReply
  | SetReply
  | BoolReply
  | VerbatimReply
  | PushReply;

export const OK = new SimpleString('OK');
export const PONG = new SimpleString('PONG');
export const QUEUED = new SimpleString('QUEUED');

// Error replies Redis sends in many places, spelled exactly as Redis spells them.
export const ERR_SYNTAX = new ErrorReply('ERR syntax error');
export const ERR_NOT_INTEGER = new ErrorReply('ERR value is not an integer or out of range');
export const ERR_NOT_FLOAT = new ErrorReply('ERR value is not a valid float');
export const ERR_WRONGTYPE = new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value');
export const ERR_NO_SUCH_KEY = new ErrorReply('ERR no such key');
export const ERR_OVERFLOW = new ErrorReply('ERR increment or decrement would overflow');
export const ERR_OOM = new ErrorReply("OOM command not allowed when used memory > 'maxmemory'.");
export const ERR_NOAUTH = new ErrorReply('NOAUTH Authentication required.');
export const ERR_STRING_TOO_LONG = new ErrorReply('ERR string exceeds maximum allowed size (proto-max-bulk-len)');

export function err(message: string): ErrorReply {
  return new ErrorReply(message);
}

export function wrongArity(name: string): ErrorReply {
  return new ErrorReply(`ERR wrong number of arguments for '${name.toLowerCase()}' command`);
}

export function isError(r: Reply): r is ErrorReply {
  return r instanceof ErrorReply;
}
