// V8's heap sized for a streaming process. Left to itself, V8 grows the young generation to
// 32 MiB under a steady stream of short-lived objects (a message each) and lets the old
// generation collect promoted garbage up to about four times what is live: a tool relaying
// a stream held 100 MiB where it needs a third of that. Both heuristics are V8 flags that
// may be set while running; set once a tool knows it is streaming (tspub -l or --repeat,
// tssub unless -C asks for a few messages): the one-shot paths never load the v8 module.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function sizeHeapForStreaming(): void {
  // The young generation stays at its initial 1 MiB a half: scavenges come more often and
  // cost less each; what survives two of them is promoted as before.
  setFlagsFromString('--semi-space-growth-factor=1');
  // After each full collection the old generation may grow by a tenth of what is live
  // before the next one (V8 keeps its own minimum step), not by its default factor.
  setFlagsFromString('--heap-growing-percent=10');
}

/**
 * A stream of input whose buffers are held until the broker acknowledges their lines (tspub
 * -l at QoS 1 and 2) outlives V8's young generation: the buffers are promoted, and only a full
 * collection frees them. A tool that makes little garbage of its own rarely has one (V8 waits
 * for 64 MiB of such buffers), so resident memory climbs by that much. The returned function,
 * told how many bytes of input were read, asks for a full collection (incremental, off the
 * main thread where V8 can) every `everyBytes` of input: for 2 MiB of 60-byte lines, one every
 * ~35,000 lines (a few ms each on this heap of about 5 MiB live; every 8 MiB, the old
 * generation and the buffers it held reached 6-7 MiB more at the peak).
 */
export function reclaimInput(everyBytes = 2 << 20): (bytes: number) => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options?: { type: 'major'; execution: 'async' }) => void;
  let read = 0;
  return (bytes) => {
    read += bytes;
    if (read < everyBytes) return;
    read = 0;
    gc({ type: 'major', execution: 'async' });
  };
}
