import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';

/** A server started by the bench: its own process group, pinned to one core, output kept. */
export interface PinnedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** stdout and stderr so far (the last 64 KiB). */
  output(): string;
}

const started: PinnedProcess[] = [];

/** Where a process runs: the one core it is pinned to, and its nice value (negative: ahead of the machine's other work). */
export interface Placement {
  readonly core: number;
  readonly niceness: number;
}

/** `command args` as run pinned to `placement`: through `nice` (when not 0) and `taskset`. */
export function pinnedCommand(placement: Placement, command: string, args: readonly string[]): [string, string[]] {
  const pinned = ['taskset', '-c', String(placement.core), command, ...args];
  return placement.niceness === 0 ? [pinned[0]!, pinned.slice(1)] : ['nice', ['-n', String(placement.niceness), ...pinned]];
}

/**
 * Gives the session of `child` (a detached child leads its own) the nice value `niceness`. With
 * the kernel's autogroup scheduling (sched(7)) a process's own nice value only ranks it within its
 * session; between sessions, the session's autogroup nice counts. Best effort: needs CAP_SYS_NICE
 * for a negative value.
 */
export function setSessionNiceness(child: ChildProcess, niceness: number): void {
  if (child.pid === undefined || niceness === 0) return;
  try {
    writeFileSync(`/proc/${child.pid}/autogroup`, String(niceness));
  } catch {
    // No autogroup support or no permission: the process's nice value still applies.
  }
}

/**
 * Starts `command args` pinned to `placement`, in a new process group (so the whole tree, nginx
 * workers included, can be killed together).
 */
export function startPinned(name: string, placement: Placement, command: string, args: readonly string[], cwd?: string): PinnedProcess {
  const [program, programArgs] = pinnedCommand(placement, command, args);
  const child = spawn(program, programArgs, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd === undefined ? {} : { cwd }) });
  setSessionNiceness(child, placement.niceness);
  let text = '';
  const keep = (chunk: Buffer): void => {
    text = (text + chunk.toString()).slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const pinned = { name, child, output: () => text };
  started.push(pinned);
  return pinned;
}

/** Kills the process group of every process started here (synchronous: safe in an exit handler). */
export function killAllStarted(): void {
  for (const { child } of started) {
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  }
}

/**
 * Sends SIGTERM to one process (not its group) and waits up to `graceMs` for it to exit (so a Node
 * process can write its --cpu-prof profile), then kills its group.
 */
export async function stopGracefully(target: PinnedProcess, graceMs: number): Promise<void> {
  const { child } = target;
  if (child.pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, graceMs))]);
  }
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

/** Resolves once 127.0.0.1:`port` accepts a TCP connection; rejects after `timeoutMs` or if `target` exits. */
export async function waitForPort(target: PinnedProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (target.child.exitCode !== null || target.child.signalCode !== null)
      throw new Error(`${target.name} exited (${target.child.exitCode ?? target.child.signalCode}):\n${target.output()}`);
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (isOpen) return;
    if (Date.now() > deadline)
      throw new Error(`${target.name} did not accept connections on 127.0.0.1:${port} within ${timeoutMs} ms:\n${target.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Linux clock ticks per second for /proc times (USER_HZ: 100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

/** Each live process of the process group `pgid`: its pid and CPU seconds (user + system) so far. */
export function groupProcesses(pgid: number): { pid: number; cpuSeconds: number }[] {
  const found: { pid: number; cpuSeconds: number }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // proc(5): fields after the command name in parentheses; pgrp is the 5th, utime/stime the 14th/15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== pgid) continue;
    found.push({ pid: Number(entry), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND });
  }
  return found;
}

/** CPU seconds used so far by every live process in the process group `pgid`. */
export function groupCpuSeconds(pgid: number): number {
  return groupProcesses(pgid).reduce((sum, { cpuSeconds }) => sum + cpuSeconds, 0);
}

/** Busy and total ticks of each CPU so far, from /proc/stat. */
export function coreTicks(): { busy: number; total: number }[] {
  const cores: { busy: number; total: number }[] = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (match === null) continue;
    // user nice system idle iowait irq softirq steal ...
    const values = match[2]!.trim().split(/\s+/).map(Number);
    const total = values.slice(0, 8).reduce((sum, n) => sum + n, 0);
    cores[Number(match[1])] = { busy: total - values[3]! - values[4]!, total };
  }
  return cores;
}
