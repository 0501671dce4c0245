/** What an SDK client keeps for metrics, and how long it waits, on top of the report's own limits (METRICS_LIMITS). */
export const CLIENT_METRICS_BOUNDS = Object.freeze({
  /** Distinct unknown flag keys counted (FLAG_NOT_FOUND) per prepared snapshot; evaluations of more are counted as dropped. */
  maxUnknownFlagKeys: 1_000,
  /** Distinct context keys kept per window across all guarded flags; exposures and event contexts of more are dropped. */
  maxContexts: 10_000,
  /** Unsent reports kept for a retry; the oldest is given up to make room. */
  maxQueuedReports: 10,
  /** An unsent report older than this is given up. */
  maxReportAgeMs: 60 * 60 * 1000,
  /** A request is abandoned after this long, or after one interval if that is shorter (but never under 1 s). */
  maxRequestMs: 5_000,
  minRequestMs: 1_000,
  /** How long close() waits for the final report to be sent. */
  closeWaitMs: 2_000,
});
