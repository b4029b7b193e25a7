import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { EnvironmentSnapshot } from '@gantry/core';
import { describeError, GantryError } from './errors.js';

/** Reads a bootstrap file at start; an unreadable or non-JSON file is an error, not a snapshot. */
export function readBootstrapFile(file: string): { value: unknown } | { error: GantryError } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { error: new GantryError('bootstrap', `could not read the bootstrap file ${file}: ${describeError(error)}`, undefined, { cause: error }) };
  }
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: new GantryError('bootstrap', `the bootstrap file ${file} is not JSON: ${describeError(error)}`, undefined, { cause: error }) };
  }
}

/**
 * Writes the last good snapshot back to the bootstrap file, atomically (a temporary file renamed
 * over it), so a crash mid-write never leaves a truncated file behind. Writes are serialised and
 * coalesced: only the newest pending snapshot is written.
 */
export class SnapshotPersister {
  #pending: EnvironmentSnapshot | undefined;
  #running: Promise<void> | undefined;

  constructor(private readonly file: string, private readonly onError: (error: GantryError) => void) {}

  save(snapshot: EnvironmentSnapshot): void {
    this.#pending = snapshot;
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves when nothing is left to write. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    while (this.#pending) {
      const snapshot = this.#pending;
      this.#pending = undefined;
      const temporary = `${this.file}.${process.pid}.tmp`;
      try {
        await writeFile(temporary, JSON.stringify(snapshot));
        await rename(temporary, this.file);
      } catch (error) {
        this.onError(new GantryError('bootstrap', `could not write the bootstrap file ${this.file}: ${describeError(error)}`, undefined, { cause: error }));
      }
    }
  }
}
