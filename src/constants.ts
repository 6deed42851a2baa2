// Every limit and default of a Floe node, with its unit. Configuration can override the ones
// that Redis lets CONFIG SET change; the rest are fixed bounds that keep memory finite.

export const FLOE_VERSION = '0.1.0';
/** The Redis version whose command semantics Floe follows (reported as redis_version). */
export const REDIS_COMPAT_VERSION = '7.2.0';

export const PORT_DEFAULT = 6379;
export const BIND_DEFAULT = '127.0.0.1';

// Protocol limits (Redis's defaults).
export const PROTO_MAX_BULK_LEN_BYTES = 512 * 1024 * 1024; // 512 MiB, proto-max-bulk-len
/** V8 cannot hold a string longer than this; Floe keeps values as one-byte strings. */
export const STRING_LENGTH_MAX_BYTES = 0x1fffffe8; // 2^29 - 24, V8's limit on 64-bit
export const MULTIBULK_LENGTH_MAX = 1024 * 1024 * 1024; // elements in one command (Redis: INT_MAX, but bounded by the query buffer)
export const INLINE_LENGTH_MAX_BYTES = 64 * 1024; // 64 KiB, PROTO_INLINE_MAX_SIZE
export const CLIENT_QUERY_BUFFER_LIMIT_BYTES = 1024 * 1024 * 1024; // 1 GiB, client-query-buffer-limit
/** Before AUTH a client may send only small frames (Redis: 10 elements, 16 KiB bulks). */
export const UNAUTH_MULTIBULK_LENGTH_MAX = 10;
export const UNAUTH_BULK_LEN_MAX_BYTES = 16 * 1024; // 16 KiB

// Output buffer limits for normal clients (client-output-buffer-limit normal 0 0 0 in Redis,
// which is unbounded; Floe bounds it so a slow reader cannot grow memory without end).
export const CLIENT_OUTPUT_BUFFER_HARD_LIMIT_BYTES = 256 * 1024 * 1024; // 256 MiB
export const CLIENT_OUTPUT_BUFFER_SOFT_LIMIT_BYTES = 64 * 1024 * 1024; // 64 MiB
export const CLIENT_OUTPUT_BUFFER_SOFT_SECONDS = 60; // s above the soft limit before disconnect

export const MAXCLIENTS_DEFAULT = 10000;
export const CLIENT_NAME_LENGTH_MAX_BYTES = 1024;

// Background work: Redis's `hz` 10 gives a 100 ms cron tick; active expire spends at most
// 25% of it.
export const CRON_TICK_MS = 100;
export const ACTIVE_EXPIRE_BUDGET_MS = 25;
export const ACTIVE_EXPIRE_KEYS_PER_LOOP = 20; // keys checked between clock reads

// Eviction (Redis: maxmemory-samples 5, eviction pool of 16).
export const MAXMEMORY_SAMPLES_DEFAULT = 5;
export const EVICTION_POOL_SIZE = 16;
export const EVICTION_KEYS_PER_COMMAND_MAX = 1000; // bound on deletes before one command
export const LFU_LOG_FACTOR_DEFAULT = 10;
export const LFU_DECAY_TIME_MINUTES_DEFAULT = 1;
export const LFU_INIT_VAL = 5;

// SCAN and friends.
export const SCAN_COUNT_DEFAULT = 10;
export const SCAN_WORK_MAX_FACTOR = 10; // visit at most COUNT*10 slots when MATCH filters

export const SLOWLOG_LOG_SLOWER_THAN_US_DEFAULT = 10_000; // 10 ms
export const SLOWLOG_MAX_LEN_DEFAULT = 128; // entries
export const SLOWLOG_ARGS_MAX = 32; // arguments kept per entry
export const SLOWLOG_ARG_LENGTH_MAX_BYTES = 128;

/** Memory accounted per key beyond its key and value bytes: map slot, entry object, order slot. */
export const KEY_OVERHEAD_BYTES = 72;
