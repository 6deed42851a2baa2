// Building messages: every field present (plain data for transports and simulators), with
// the unused ones zeroed; and a one-line text form used by the test scripts and traces.
import type { Message, MessageType } from './types.ts';

export type MessageFields = Partial<Omit<Message, 'type' | 'from' | 'to' | 'group'>>;

export function makeMessage(type: MessageType, group: number, from: number, to: number, fields: MessageFields): Message {
  return {
    type,
    group,
    from,
    to,
    term: fields.term ?? 0,
    logTerm: fields.logTerm ?? 0,
    index: fields.index ?? 0,
    entries: fields.entries ?? [],
    commit: fields.commit ?? 0,
    reject: fields.reject ?? false,
    rejectHint: fields.rejectHint ?? 0,
    seq: fields.seq ?? 0,
    transfer: fields.transfer ?? false,
    offset: fields.offset ?? 0,
    snapshot: fields.snapshot ?? null,
  };
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });

/** Entry data shown as text when printable, else as byte count. */
export function formatData(data: Uint8Array): string {
  if (data.byteLength === 0) return '';
  const s = textDecoder.decode(data);
  return /^[\x20-\x7e]*$/.test(s) && data.byteLength <= 32 ? s : `<${data.byteLength}B>`;
}

/** e.g. `1->2 append term=2 log=2/5 commit=5 entries=[2/6 EntryNormal "x"]`. */
export function formatMessage(m: Message, formatEntry: (e: Message['entries'][number]) => string): string {
  let s = `${m.from}->${m.to} ${m.type} term=${m.term}`;
  switch (m.type) {
    case 'append':
      s += ` log=${m.logTerm}/${m.index} commit=${m.commit}`;
      if (m.entries.length > 0) s += ` entries=[${m.entries.map(formatEntry).join(', ')}]`;
      break;
    case 'append-resp':
      s += m.reject ? ` reject index=${m.index} hint=${m.logTerm}/${m.rejectHint}` : ` index=${m.index}`;
      break;
    case 'vote':
    case 'pre-vote':
      s += ` log=${m.logTerm}/${m.index}${m.transfer ? ' transfer' : ''}`;
      break;
    case 'vote-resp':
    case 'pre-vote-resp':
      s += m.reject ? ' reject' : ' grant';
      break;
    case 'heartbeat':
      s += ` commit=${m.commit} seq=${m.seq}`;
      break;
    case 'heartbeat-resp':
      s += ` commit=${m.commit} seq=${m.seq}`;
      break;
    case 'snapshot': {
      const c = m.snapshot;
      if (c !== null) s += ` snap=${c.term}/${c.index} bytes=[${c.offset},${c.offset + c.data.byteLength})/${c.totalBytes}`;
      break;
    }
    case 'snapshot-resp':
      s += ` snap=${m.index} offset=${m.offset}${m.reject ? ' reject' : ''}`;
      break;
    case 'timeout-now':
      break;
  }
  return s;
}
