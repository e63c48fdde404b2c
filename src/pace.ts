// When each message of a stream goes (tspub -l, --repeat, --replay): one scheduler for
// --rate and --interval, for a replay at its recorded pace (--replay-speed), and for
// --repeat-delay. A paced stream does not drift: message k is due at a fixed offset from
// the first one (k intervals, or its recorded time), not an interval after the one before,
// so the time each message takes to go out is not added up over a long run. Messages that
// fall due together (a timer that fired late, a rate above the timer's resolution) go out
// together.

/** Milliseconds on the monotonic clock (process.hrtime: no module to load). */
export function clock(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Resolves at the monotonic time `at` (ms); nothing to wait for once it has passed. */
export function until(at: number): Promise<void> | undefined {
  const wait = at - clock();
  if (wait <= 0) return undefined;
  return new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
}

/**
 * How late a paced message may be and still be caught up on (the ones behind it going out
 * at once until the stream is back on time). A stream held up for longer than this (input
 * that paused, a broker that did not take messages) starts its schedule again from the
 * late message: it is not followed by a burst of everything that would have gone meanwhile.
 */
export const CATCH_UP_MS = 1000;

/** A stream's schedule: each message due at an offset from the first one's time. */
export class Schedule {
  private origin: number | undefined;

  /**
   * Waits until `offset` ms after the first message of the stream (whose own offset is
   * taken as its start); undefined when the message is due already.
   */
  at(offset: number): Promise<void> | undefined {
    const now = clock();
    if (this.origin === undefined || now - (this.origin + offset) > CATCH_UP_MS) this.origin = now - offset;
    return until(this.origin + offset);
  }
}
