// Thresholds that decide when a small collection leaves its compact encoding (Redis's
// hash-max-listpack-entries and friends). They belong to a keyspace, so every replica that
// applies the same CONFIG SET converts at the same point; the server updates them.

/** The compact-encoding limits of one keyspace, in Redis's units. */
export interface EncodingLimits {
  /** hash-max-listpack-entries: fields a listpack hash may hold. */
  hashEntries: number;
  /** hash-max-listpack-value: longest field or value (bytes) in a listpack hash. */
  hashValueBytes: number;
  /** set-max-intset-entries: members an intset may hold. */
  setIntsetEntries: number;
  /** set-max-listpack-entries. */
  setEntries: number;
  /** set-max-listpack-value (bytes). */
  setValueBytes: number;
  /** zset-max-listpack-entries. */
  zsetEntries: number;
  /** zset-max-listpack-value (bytes). */
  zsetValueBytes: number;
  /** list-max-listpack-size: > 0 a count of entries, -1..-5 a size of 4..64 KiB. */
  listSize: number;
}

export const ENCODING_LIMITS_DEFAULT: Readonly<EncodingLimits> = {
  hashEntries: 128,
  hashValueBytes: 64,
  setIntsetEntries: 512,
  setEntries: 128,
  setValueBytes: 64,
  zsetEntries: 128,
  zsetValueBytes: 64,
  listSize: -2,
};

/**
 * A packed (listpack) string never grows past this, whatever the limits say: every change
 * rewrites the whole string, so a huge one would make each write slow. Redis's own safety
 * limit (lpSafeToAdd) is 1 GiB for the same reason, with memmove instead of a rewrite.
 */
export const PACKED_BYTES_MAX = 1024 * 1024; // 1 MiB

// Limits hang off the keyspace object without widening its class: one table per keyspace,
// forgotten with it.
const byKeyspace = new WeakMap<object, EncodingLimits>();

/** The limits in force for a keyspace (the defaults until the server sets them). */
export function encodingLimits(keyspace: object): Readonly<EncodingLimits> {
  return byKeyspace.get(keyspace) ?? ENCODING_LIMITS_DEFAULT;
}

export function setEncodingLimits(keyspace: object, limits: EncodingLimits): void {
  byKeyspace.set(keyspace, { ...limits });
}
