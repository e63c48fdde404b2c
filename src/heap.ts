// V8's heap sized for a streaming process. Left to itself, V8 grows the young generation to
// 32 MiB under a steady stream of short-lived objects (a message each) and lets the old
// generation collect promoted garbage up to about four times what is live: a tool relaying
// a stream held 100 MiB where it needs a third of that. Both heuristics are V8 flags that
// may be set while running; set once a tool knows it is streaming (tspub -l or --repeat,
// tssub unless -C asks for a few messages): the one-shot paths never load the v8 module.
import { setFlagsFromString } from 'node:v8';

export function sizeHeapForStreaming(): void {
  // The young generation stays at its initial 1 MiB a half: scavenges come more often and
  // cost less each; what survives two of them is promoted as before.
  setFlagsFromString('--semi-space-growth-factor=1');
  // After each full collection the old generation may grow by a tenth of what is live
  // before the next one (V8 keeps its own minimum step), not by its default factor.
  setFlagsFromString('--heap-growing-percent=10');
}
