/**
 * Instants for the `before` / `after` operators: either a finite number (milliseconds since the Unix
 * epoch) or an ISO-8601 / RFC 3339 string in one of these forms:
 *
 *   YYYY-MM-DD                                   (midnight UTC)
 *   YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|±HH:MM)   (`T` may also be `t` or a space; `z` accepted)
 *
 * A date-time without an explicit offset is refused (it would depend on the machine's time zone), as
 * are impossible dates (2023-02-29, 24:00, ...). Fractions beyond milliseconds are truncated.
 */

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2}))?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Parse an ISO-8601 string to epoch milliseconds; `undefined` when it does not parse. */
export function parseIsoDate(s: string): number | undefined {
  if (s.length > 40) return undefined;
  const m = ISO_RE.exec(s);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  const tz = m[8];
  if (tz !== undefined && tz !== 'Z' && tz !== 'z') {
    const oh = Number(tz.slice(1, 3));
    const om = Number(tz.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (oh * 60 + om) * (tz[0] === '-' ? -1 : 1);
  }
  // Date.UTC maps years 0..99 to 1900..1999; build the date then set the full year explicitly.
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  d.setUTCFullYear(year);
  return d.getTime() - offsetMinutes * 60000;
}

/** An attribute or clause value as an instant; `undefined` when it is neither a finite number nor an ISO string. */
export function toInstant(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') return parseIsoDate(v);
  return undefined;
}
