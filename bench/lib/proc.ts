import { type ChildProcess, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) a process has used so far, from /proc/<pid>/stat; null when it is gone. */
export function cpuSeconds(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Resident memory of a process in MB, from /proc/<pid>/status; null when it is gone. */
export function rssMb(pid: number | undefined): number | null {
  return statusMb(pid, 'VmRSS');
}

/** The highest resident memory the process has had so far, in MB ("high water mark"). */
export function peakRssMb(pid: number | undefined): number | null {
  return statusMb(pid, 'VmHWM');
}

function statusMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number | null {
  if (!pid) return null;
  try {
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : null;
  } catch {
    return null;
  }
}

/** Measures a process's CPU use between `start()` and `stop()`, as a percentage of one core. */
export function cpuMeter(pid: number | undefined) {
  let startCpu: number | null = null;
  let startWall = 0;
  return {
    start() {
      startCpu = cpuSeconds(pid);
      startWall = performance.now();
    },
    stop(): number | null {
      const end = cpuSeconds(pid);
      const wallSeconds = (performance.now() - startWall) / 1000;
      if (startCpu === null || end === null || wallSeconds <= 0) return null;
      return Math.round(((end - startCpu) / wallSeconds) * 100);
    },
  };
}

/** The 1-minute load average, rounded (the machine is shared: a high one means disturbed figures). */
export const loadAverage = () => Math.round(os.loadavg()[0]! * 100) / 100;

/** Busy CPU time of the whole machine so far (all cores), in seconds, from /proc/stat. */
function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return (fields.reduce((a, b) => a + b, 0) - idle) / CLOCK_TICKS;
}

/** Cores kept busy by every process of the machine between `start()` and `stop()`. */
export function machineCpuMeter() {
  let startBusy = 0;
  let startWall = 0;
  return {
    start() {
      startBusy = machineBusySeconds();
      startWall = performance.now();
    },
    stop(): number {
      return Math.round(((machineBusySeconds() - startBusy) / ((performance.now() - startWall) / 1000)) * 100) / 100;
    },
  };
}

/**
 * The machine is shared: waits (up to `maxSeconds`) until it is nearly idle, i.e. busy below
 * `threshold` cores over a 2 s sample. Returns the last sample.
 */
export async function waitForQuietMachine(maxSeconds: number, threshold = 0.5): Promise<number | null> {
  if (maxSeconds <= 0) return null;
  const deadline = performance.now() + maxSeconds * 1000;
  while (true) {
    const meter = machineCpuMeter();
    meter.start();
    await new Promise((r) => setTimeout(r, 2000));
    const busy = meter.stop();
    if (busy < threshold || performance.now() >= deadline) return busy;
  }
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, graceMs))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * How a bench talks to its load processes: `ask(child, command, 'answer-type')` sends a command and
 * waits for the answer of that type; an `error` answer or the process exiting rejects.
 */
export function askerOf<Command, Answer extends { type: string; message?: unknown }>() {
  return function ask<T extends Answer['type']>(child: ChildProcess, message: Command, answer: T): Promise<Extract<Answer, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Answer) => {
        if (reply.type === 'error') return finish(() => reject(new Error(`load process: ${String(reply.message)}`)));
        if (reply.type === answer) finish(() => resolve(reply as Extract<Answer, { type: T }>));
      };
      const onExit = (code: number | null) => finish(() => reject(new Error(`load process exited (${code})`)));
      const finish = (then: () => void) => {
        child.off('message', onMessage);
        child.off('exit', onExit);
        then();
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(message as object);
    });
  };
}
