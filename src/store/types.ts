// Value types held in the keyspace. A Redis string is a one-byte JS string (each char one
// byte, so binary data round-trips and small values cost little); collections implement
// CollectionValue and live in their own files.

export type ValueType = 'string' | 'hash' | 'list' | 'set' | 'zset';

export interface CollectionValue {
  readonly type: Exclude<ValueType, 'string'>;
  /** OBJECT ENCODING's answer: listpack, hashtable, quicklist, intset, skiplist… */
  encoding(): string;
  /** Elements (fields, members, items); a collection with 0 is removed from the keyspace. */
  size(): number;
  /** Estimated bytes, kept up to date as the collection changes (O(1)). */
  memoryBytes(): number;
  /** A deep copy (COPY). */
  clone(): CollectionValue;
}

export type Value = string | CollectionValue;

export function typeOf(v: Value): ValueType {
  return typeof v === 'string' ? 'string' : v.type;
}
