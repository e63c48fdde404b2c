/**
 * The receive time of a message: wall-clock time with sub-millisecond precision.
 */

/** Wall-clock receive time (UNIX epoch). */
export interface Timestamp {
  sec: number;
  nsec: number;
}

/**
 * Milliseconds on the monotonic clock. (process.hrtime needs no module: reading `performance`
 * would load perf_hooks and a dozen modules at start-up.)
 */
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * The monotonic clock anchored on the wall clock: wall-clock time with sub-millisecond
 * precision.
 */
export class WallClock {
  /** Wall-clock milliseconds at monotonic 0, anchored on first use. */
  private base: number | undefined;

  /** Best available wall-clock time with sub-millisecond precision. */
  now(): Timestamp {
    let ms = (this.base ?? this.anchor()) + monotonicMs();
    const wall = Date.now();
    // The monotonic clock does not follow wall-clock adjustments: anchor again when the two
    // drift apart (Date.now() has whole milliseconds only).
    if (ms - wall > 2 || wall - ms > 2) ms = this.anchor() + monotonicMs();
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

  /**
   * Anchors the monotonic clock on the wall clock at the moment Date.now() moves on to its
   * next millisecond (a wait of up to 1 ms, once): anchored at any other moment, every time
   * after it would be off by up to a millisecond, and the first one would end in 000000 ns.
   * Returns the new base.
   */
  private anchor(): number {
    let start = Date.now();
    let prev = monotonicMs();
    for (let ticks = 0; ; ) {
      const rel = monotonicMs();
      const wall = Date.now();
      if (wall !== start) {
        // The tick came between the previous reading and this one: accept it if the two were
        // close together (no pause of this process between them), or after a few tries.
        if (monotonicMs() - prev < 0.05 || ++ticks >= 5) {
          this.base = wall - rel;
          return this.base;
        }
        start = wall;
      }
      prev = rel;
    }
  }
}

/** The process's clock: every receive time comes from it. */
const processClock = new WallClock();

/** Best available wall-clock time with sub-millisecond precision. */
export function now(): Timestamp {
  return processClock.now();
}
