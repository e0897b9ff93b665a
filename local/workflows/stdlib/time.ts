import { workflowError } from '../errors.js';
import { arg, fn, str, type StdlibEntries } from './arguments.js';

/** RFC 3339 with microseconds, as time.format prints (stdlib/time/format). */
function formatTime(seconds: number, timezone: string | null): string {
  const ms = Math.floor(seconds * 1000);
  const micros = Math.round(((seconds * 1e6) % 1e6) + 1e6) % 1e6;
  let offsetMinutes = 0;
  if (timezone !== null && timezone !== 'UTC' && timezone !== 'Z' && timezone !== 'Etc/UTC') {
    offsetMinutes = zoneOffsetMinutes(ms, timezone);
  }
  const shifted = new Date(ms + offsetMinutes * 60_000);
  const base = shifted.toISOString().slice(0, 19);
  const fraction = String(micros).padStart(6, '0');
  if (offsetMinutes === 0) return `${base}.${fraction}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${base}.${fraction}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function zoneOffsetMinutes(ms: number, timezone: string): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(new Date(ms));
  } catch {
    throw workflowError('ValueError', `time.format: unknown time zone "${timezone}"`);
  }
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return Math.round((local - Math.floor(ms / 1000) * 1000) / 60_000);
}

function parseTime(value: string): number {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.exec(value);
  if (!match)
    throw workflowError('ValueError', `time.parse: "${value}" is not an RFC 3339 timestamp`);
  const wholeMs = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(wholeMs))
    throw workflowError('ValueError', `time.parse: invalid timestamp "${value}"`);
  const fraction = match[2] ? Number(`0${match[2]}`) : 0;
  return wholeMs / 1000 + fraction;
}

/** time.* (https://cloud.google.com/workflows/docs/reference/stdlib/time). */
export const TIME_FUNCTIONS: StdlibEntries = [
  [
    'time.format',
    fn(['seconds', 'timezone'], 1, ([s, tz]) =>
      formatTime(
        Number(arg('time.format', 'seconds', s, 'integer', 'double')),
        tz === undefined || tz === null ? null : str('time.format', 'timezone', tz),
      ),
    ),
  ],
  ['time.parse', fn(['value'], 1, ([v]) => parseTime(str('time.parse', 'value', v)))],
];
