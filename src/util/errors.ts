// Operating errors with stable codes. A client's mistake is a RESP error reply, never one of
// these; these are for I/O failures, bad configuration and the like. Every code is listed in
// docs/errors.md, and a test checks that the two lists agree.

export const ErrorCodes = {
  FLOE_ERR_CONFIG: 'a configuration value is missing, malformed or out of range',
  FLOE_ERR_LISTEN: 'a listening socket could not be opened',
  FLOE_ERR_TLS: 'TLS certificate or key files could not be loaded',
  FLOE_ERR_WAL_CORRUPT: 'the write-ahead log is corrupt before its last record',
  FLOE_ERR_SNAPSHOT_CORRUPT: 'a snapshot file failed its checksum or could not be decoded',
  FLOE_ERR_DISK: 'a disk write or fsync failed (disk full, I/O error)',
  FLOE_ERR_NO_LEADER: 'no Raft leader is known for the group',
  FLOE_ERR_PROPOSAL_DROPPED: 'a Raft proposal was refused or lost',
  FLOE_ERR_TIMEOUT: 'an operation did not finish within its time limit',
  FLOE_ERR_PEER: 'a cluster peer could not be reached or broke the bus protocol',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class FloeError extends Error {
  override name = 'FloeError';
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
