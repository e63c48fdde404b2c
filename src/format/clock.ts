/**
 * The receive time of a message: wall-clock time with sub-millisecond precision.
 */

/** Wall-clock receive time (UNIX epoch). */
export interface Timestamp {
  sec: number;
  nsec: number;
}

// Wall-clock milliseconds at process.hrtime 0, anchored on first use. (process.hrtime needs
// no module: reading `performance` would load perf_hooks and a dozen modules at start-up.)
let clockBase: number | undefined;

/**
 * Anchors the monotonic clock on the wall clock at the moment Date.now() moves on to its
 * next millisecond (a wait of up to 1 ms, once): anchored at any other moment, every time
 * after it would be off by up to a millisecond, and the first one would end in 000000 ns.
 */
function anchor(): void {
  let start = Date.now();
  let prev = Number(process.hrtime.bigint()) / 1e6;
  for (let ticks = 0; ;) {
    const rel = Number(process.hrtime.bigint()) / 1e6;
    const wall = Date.now();
    if (wall !== start) {
      // The tick came between the previous reading and this one: accept it if the two were
      // close together (no pause of this process between them), or after a few tries.
      if (Number(process.hrtime.bigint()) / 1e6 - prev < 0.05 || ++ticks >= 5) {
        clockBase = wall - rel;
        return;
      }
      start = wall;
    }
    prev = rel;
  }
}

/** Best available wall-clock time with sub-millisecond precision. */
export function now(): Timestamp {
  if (clockBase === undefined) anchor();
  let ms = clockBase! + Number(process.hrtime.bigint()) / 1e6;
  const wall = Date.now();
  // The monotonic clock does not follow wall-clock adjustments: anchor again when the two
  // drift apart (Date.now() has whole milliseconds only).
  if (ms - wall > 2 || wall - ms > 2) {
    anchor();
    ms = clockBase! + Number(process.hrtime.bigint()) / 1e6;
  }
  let sec = Math.floor(ms / 1000);
  let nsec = Math.round((ms - sec * 1000) * 1e6);
  if (nsec >= 1e9) {
    sec += 1;
    nsec -= 1e9;
  } else if (nsec < 0) {
    nsec = 0;
  }
  return { sec, nsec };
}
