import { type DueWorkLog, DueWorkLoop } from '../jobs/due-work.ts';
import type { ScheduledChangeService } from './service.ts';

/** The loop that applies scheduled changes when they fall due, on every replica, each change once. */
export function scheduledChangesLoop(service: ScheduledChangeService, options: { pollIntervalMs: number; log: DueWorkLog }): DueWorkLoop {
  return new DueWorkLoop({
    name: 'scheduled changes',
    runOne: () => service.applyNextDue(),
    pollIntervalMs: options.pollIntervalMs,
    log: options.log,
  });
}
