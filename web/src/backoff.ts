/**
 * Exponential backoff with equal jitter: attempt n waits between half and all of
 * min(maxMs, firstMs * 2^n), so pages cut off together do not all come back in the same instant.
 */
export function createBackoff(firstMs = 1000, maxMs = 30_000) {
  let attempt = 0;
  return {
    next(): number {
      const ceiling = Math.min(maxMs, firstMs * 2 ** Math.min(attempt++, 20));
      return ceiling / 2 + (Math.random() * ceiling) / 2;
    },
    reset(): void {
      attempt = 0;
    },
  };
}
