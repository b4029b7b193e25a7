/**
 * Exponential backoff with "equal jitter": attempt n waits a random time between half and all of
 * min(max, initial × 2ⁿ), so a fleet of SDKs does not reconnect in lockstep.
 */
export class Backoff {
  #attempt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const ceiling = Math.min(Math.max(this.maxMs, this.initialMs), this.initialMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt += 1;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /** Starts over after a success. */
  reset(): void {
    this.#attempt = 0;
  }

  get attempts(): number {
    return this.#attempt;
  }
}
