import v8 from 'node:v8';

let enabled = false;

/**
 * Makes V8 finish any regular expression in linear time: once a match has backtracked past V8's
 * threshold (50,000 backtracks by default) it is re-run on V8's non-backtracking engine. The engine
 * no longer needs it for `matches` (patterns with a choice point run on its own linear-time matcher,
 * sdk/src/model/linear-regex), so it is now a second line of defence for any other regular
 * expression the process runs. Node has no API for this; the V8 flag is read when a regular expression runs, so setting it at
 * start-up (before any evaluation) is enough. The server calls this at start-up, and the SDK client's
 * constructor (so createClient, `new FlagsClient` and the OpenFeature provider alike); calls after the first do nothing.
 */
export function enableLinearRegexpFallback(): void {
  if (enabled) return;
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  enabled = true;
}
