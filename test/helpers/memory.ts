// The peak resident memory of a process under test, sampled from /proc while it runs.
import { readFileSync } from 'node:fs';

/**
 * Starts sampling `field` of /proc/<pid>/status (kB): VmRSS (resident now) or VmHWM (the
 * kernel's own high-water mark). The returned function stops and gives the peak seen.
 */
export function watchMemory(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS', everyMs = 50): () => number {
  let peak = 0;
  const pattern = new RegExp(`${field}:\\s+(\\d+)`);
  const timer = setInterval(() => {
    try {
      const m = pattern.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]));
    } catch {
      /* gone */
    }
  }, everyMs);
  return () => {
    clearInterval(timer);
    return peak;
  };
}
