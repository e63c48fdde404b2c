// What /proc says about a running process (its resident memory now, its signal dispositions,
// its sockets), read instead of guessed from time. Its peak memory: memory.ts.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { waitFor } from './wait.ts';

/** A numeric field of /proc/<pid>/status (kB for Vm*), or undefined once the process is gone. */
export function statusField(pid: number, field: string): string | undefined {
  try {
    return new RegExp(`^${field}:\\s+(\\S+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Resident memory now (kB; 0 once the process is gone). */
export const rssKiB = (pid: number): number => Number(statusField(pid, 'VmRSS') ?? 0);

/** Whether `signal` is in the process's mask `mask` (SigIgn: ignored, SigCgt: caught). */
export function inMask(
  pid: number,
  mask: 'SigIgn' | 'SigCgt' | 'SigBlk' | 'SigPnd' | 'ShdPnd',
  signal: NodeJS.Signals,
): boolean {
  const hex = statusField(pid, mask);
  return hex !== undefined && ((BigInt(`0x${hex}`) >> BigInt(constants.signals[signal] - 1)) & 1n) === 1n;
}

/**
 * Until the process has set up its handling of `signal` (caught: a handler installed; ignored:
 * SIG_IGN), so that a signal sent next meets the tool's own choice, not the start-up default.
 */
export function signalReady(
  pid: number,
  signal: NodeJS.Signals,
  how: 'caught' | 'ignored',
  timeoutMs = 60000,
): Promise<boolean> {
  return waitFor(
    () => inMask(pid, how === 'caught' ? 'SigCgt' : 'SigIgn', signal),
    `process ${pid} to have ${signal} ${how}`,
    timeoutMs,
  );
}

/**
 * Whether the process's main thread is asleep in its event loop (poll, select, epoll: the
 * kernel's wait channel names it), not in the middle of its own work. A signal sent then
 * interrupts a wait; sent while it prints, it meets mosquitto's handlers that print from the
 * handler (not safe against stdio: mosquitto_sub's "sending DISCONNECT" was lost once so).
 * A kernel that does not say (wchan "0") counts as waiting.
 */
export function idleInLoop(pid: number): boolean {
  try {
    const wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8').trim();
    return wchan === '0' || /poll|select/.test(wchan);
  } catch {
    return false;
  }
}

/** A TCP socket of a process, from /proc/<pid>/net/tcp and tcp6. */
export interface TcpSocket {
  remotePort: number;
  /** The kernel's state number: 1 ESTABLISHED, 10 LISTEN, ... */
  state: number;
  /** Bytes received and not yet read by the process. */
  rxQueue: number;
}

/** The TCP sockets the process holds (none once it is gone). */
export function tcpSockets(pid: number): TcpSocket[] {
  let inodes: Set<string>;
  try {
    inodes = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          } catch {
            return undefined;
          }
        })
        .filter((i): i is string => i !== undefined),
    );
  } catch {
    return [];
  }
  const found: TcpSocket[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length <= 9 || !inodes.has(f[9]!)) continue;
      found.push({
        remotePort: parseInt(f[2]!.split(':').at(-1)!, 16),
        state: parseInt(f[3]!, 16),
        rxQueue: parseInt(f[4]!.split(':')[1]!, 16),
      });
    }
  }
  return found;
}

/** Whether what the peers sent has all been read by the process (every receive queue empty). */
export const socketsDrained = (pid: number): boolean => tcpSockets(pid).every((s) => s.rxQueue === 0);

/** Bytes waiting unread in the process's TCP receive queues. */
export const unreadBytes = (pid: number): number => tcpSockets(pid).reduce((n, s) => n + s.rxQueue, 0);

/** Whether the process has an established connection to `port`. */
export const connectedTo = (pid: number, port: number): boolean =>
  tcpSockets(pid).some((s) => s.remotePort === port && s.state === 1);

/** The processes listening on TCP `port` (from /proc/net/tcp and tcp6, then each process's fds). */
export function listeners(port: number): number[] {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local address "IP:PORT" in hex, state 0A = LISTEN, inode in column 10
      if (f.length > 9 && f[3] === '0A' && parseInt(f[1]!.split(':')[1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) {
          found.push(Number(pid));
          break;
        }
      }
    } catch {
      /* gone */
    }
  }
  return found;
}

/** The process group of a process (undefined once it is gone). */
export function processGroup(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}
