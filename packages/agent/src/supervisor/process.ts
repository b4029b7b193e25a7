import { readdirSync, readFileSync } from 'node:fs';

/** Fields of `/proc/<pid>/stat` we use; undefined when the process does not exist (or not on Linux). */
interface ProcStat {
  state: string;
  pgrp: number;
  startTime: string;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp … starttime(22) …": comm may hold spaces and parentheses.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '?', pgrp: Number(rest[2]), startTime: rest[19] ?? '' };
}

const hasProc = (() => {
  try {
    return readStat(process.pid) !== undefined;
  } catch {
    return false;
  }
})();

/**
 * When the process started (clock ticks since boot, from `/proc`), to tell a recorded process from
 * a later one that reused its pid. Null where `/proc` is missing.
 */
export function processStartTime(pid: number): string | null {
  return hasProc ? (readStat(pid)?.startTime ?? null) : null;
}

/** Whether `pid` runs (zombies do not count) and, when known, is still the process that started then. */
export function isProcessAlive(pid: number, startTime?: string | null): boolean {
  if (hasProc) {
    const stat = readStat(pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
    return startTime == null || stat.startTime === startTime;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Live (non-zombie) members of a process group. */
export function groupMembers(pgid: number): number[] {
  if (!hasProc) {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  }
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = readStat(pid);
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(pid);
  }
  return members;
}

/** Send a signal to every process of a group; false when the group is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stop a whole process group: SIGTERM, wait up to `timeoutMs` for every member to be gone, then
 * SIGKILL what is left. Resolves how it ended.
 */
export async function terminateGroup(pgid: number, timeoutMs: number, pollMs = 50): Promise<'exited' | 'killed' | 'gone'> {
  if (groupMembers(pgid).length === 0) return 'gone';
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(pollMs);
    if (groupMembers(pgid).length === 0) return 'exited';
  }
  signalGroup(pgid, 'SIGKILL');
  const hardDeadline = Date.now() + 5_000;
  while (groupMembers(pgid).length > 0 && Date.now() < hardDeadline) await sleep(pollMs);
  return 'killed';
}

/**
 * Whether a process group recorded as started by us (leader `pid`, started at `startTime`) still
 * has members. A live leader must have the recorded start time (else the pid was reused, which
 * Linux only does once our whole group is gone); a dead leader's group may live on in children.
 */
export function recordedGroupAlive(pid: number, startTime: string | null): boolean {
  if (isProcessAlive(pid)) return startTime === null || isProcessAlive(pid, startTime);
  return groupMembers(pid).length > 0;
}
