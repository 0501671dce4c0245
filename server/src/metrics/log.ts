/** How the metrics' background work reports problems (pino's logger fits). */
export type MetricsLog = {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
};
