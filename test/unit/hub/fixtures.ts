import { pino } from 'pino';
import { type HeartbeatMessage, PROTOCOL_VERSION, type StatusMessage } from '../../../protocol/src/index.js';

export const silentLog = pino({ level: 'silent' });
export const UID = '0b6a4f0e-3c1d-4e55-9a3e-1f2d3c4b5a69';

export function onlineStatus(overrides: Partial<Extract<StatusMessage, { online: true }>> = {}): StatusMessage {
  return {
    v: PROTOCOL_VERSION,
    ts: 1_000,
    uid: UID,
    session: 1_000_001,
    online: true,
    info: {
      architecture: 'arm64',
      os: 'linux',
      osImage: 'Debian GNU/Linux 13 (trixie)',
      kernel: '6.12.0-rpi',
      cgroupVersion: 'v2',
      runtime: { name: 'crun', version: '1.21' },
      agentVersion: '0.1.0',
      hostname: 'pi-1',
    },
    labels: { site: 'lab' },
    capacity: { cpu: 4000, memory: 4 * 2 ** 30, pids: 32768 },
    allocatable: { cpu: 3900, memory: 4 * 2 ** 30 - 128 * 2 ** 20, pids: 32768 },
    ...overrides,
  };
}

export function offlineStatus(reason: 'shutdown' | 'connection-lost', session = 1_000_001, uid = UID): StatusMessage {
  return { v: PROTOCOL_VERSION, ts: 2_000, uid, session, online: false, reason };
}

export function heartbeat(seq = 1): HeartbeatMessage {
  return {
    v: PROTOCOL_VERSION,
    ts: 3_000,
    seq,
    node: { cpu: 250, memory: 2 ** 30, memoryAvailable: 3 * 2 ** 30 },
    agent: { cpu: 5, memory: 40 * 2 ** 20, messagesDropped: 0 },
    pods: [],
  };
}
