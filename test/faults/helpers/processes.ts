import type { ChildProcess } from 'node:child_process';

/** Kills a child process without warning (SIGKILL: a crash, nothing flushed) and waits until it is gone. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
