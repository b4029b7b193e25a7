import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restartDelay, RESTART_DEFAULTS } from './backoff.js';
import { LogTail, MAX_LINE } from './log-tail.js';
import { emptyState, readState, writeState } from './state-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-parts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('restart backoff', () => {
  it('grows by the factor and stops at the cap', () => {
    expect([0, 1, 2, 3, 10, 20].map((n) => restartDelay(RESTART_DEFAULTS, n))).toEqual([500, 1000, 2000, 4000, 30_000, 30_000]);
  });
});

describe('log tail', () => {
  it('emits complete lines only, across reads, with CRLF and UTF-8 split over reads', () => {
    const file = join(dir, 'out.log');
    writeFileSync(file, '');
    const lines: string[] = [];
    const tail = new LogTail(file, (l) => lines.push(l), 1 << 20);
    appendFileSync(file, 'one\r\ntw');
    tail.poll();
    expect(lines).toEqual(['one']);
    const euro = Buffer.from('o €\n');
    appendFileSync(file, euro.subarray(0, 4));
    tail.poll();
    appendFileSync(file, Buffer.concat([euro.subarray(4), Buffer.from('\nlast')]));
    tail.poll();
    expect(lines).toEqual(['one', 'two €', '']);
    tail.flush();
    expect(lines.at(-1)).toBe('last');
    tail.close();
  });

  it('splits very long lines and truncates a fully read file past its limit', () => {
    const file = join(dir, 'big.log');
    writeFileSync(file, '');
    const lines: string[] = [];
    const tail = new LogTail(file, (l) => lines.push(l), 1000);
    appendFileSync(file, 'x'.repeat(MAX_LINE + 10) + '\n');
    tail.poll();
    expect(lines.map((l) => l.length)).toEqual([MAX_LINE, 10]);
    expect(statSync(file).size).toBe(0);
    appendFileSync(file, 'after truncation\n');
    tail.poll();
    expect(lines.at(-1)).toBe('after truncation');
    tail.close();
  });

  it('can start at the end of a file (adoption)', () => {
    const file = join(dir, 'adopt.log');
    writeFileSync(file, 'old line\n');
    const lines: string[] = [];
    const tail = new LogTail(file, (l) => lines.push(l), 1 << 20, true);
    appendFileSync(file, 'new line\n');
    tail.poll();
    expect(lines).toEqual(['new line']);
    tail.close();
  });
});

describe('state file', () => {
  it('writes atomically with mode 0600 and reads back; a missing file is empty', () => {
    const file = join(dir, 'state.json');
    expect(readState(file)).toEqual(emptyState());
    const state = { ...emptyState(), versions: [{ spec: { service: 's', version: '1', command: 'run', env: { SECRET: 'x' } }, instances: [{ id: 'i', port: 1234 }] }] };
    writeState(file, state);
    expect(readState(file)).toEqual(state);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('refuses a corrupt or foreign file instead of forgetting what runs', () => {
    const file = join(dir, 'state.json');
    writeFileSync(file, '{"format":1,"versions":[');
    expect(() => readState(file)).toThrow(/not JSON/);
    writeFileSync(file, '{"format":2}');
    expect(() => readState(file)).toThrow(/unknown format/);
  });
});
