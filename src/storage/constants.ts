// Storage limits and defaults, each with its unit. They live here rather than in
// src/constants.ts so that storage/ stays self-contained; server config may override the
// ones marked "configurable" through the options of openStorage().

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** A WAL segment is closed and a new one started once it reaches this size (configurable). */
export const segmentBytesMax = 64 * MiB;
/** Largest payload of one WAL record; matches Redis's proto-max-bulk-len default (512 MiB). */
export const recordPayloadBytesMax = 512 * MiB;
/**
 * Bytes that may wait in the WAL's staging buffer for the next write. The driver waits for
 * each batch before the next Ready, so this is never reached in correct use; past it,
 * append() is a programmer error (an assertion).
 */
export const stagedBytesMax = 1 * GiB;
/** Initial size of each of the WAL's two staging buffers; they grow by doubling. */
export const stagingBufferBytesInitial = 1 * MiB;
/** A staging buffer that grew past this (one huge batch) is dropped after use, so memory shrinks back. */
export const stagingBufferBytesRetainedMax = 16 * MiB;
/** In `fsync everysec` mode, at most this long passes between fdatasyncs (configurable). */
export const everysecIntervalMs = 1000;
/** Replay reads segments in chunks of this size, so boot memory does not scale with segments. */
export const replayReadChunkBytes = 1 * MiB;
/** Snapshot writers coalesce small chunks into writes of this size. */
export const snapshotWriteBufferBytes = 1 * MiB;
/** Snapshot readers yield chunks of this size by default (configurable per read). */
export const snapshotReadChunkBytes = 256 * KiB;
/** Bound of a snapshot's extra metadata (Raft's ConfState and the like). */
export const snapshotExtraBytesMax = 1 * MiB;
/** Group ids are u32 on disk. */
export const groupIdMax = 0xffffffff;
