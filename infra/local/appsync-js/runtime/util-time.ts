/**
 * util.time. Formats follow Java's DateTimeFormatter (AppSync's reference); the common pattern
 * letters are supported: y M d H h m s S a E Z X x z VV and 'quoted' text.
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  weekday: number;
}

/** The zone's offset from UTC in minutes at the instant `ms`. */
export function zoneOffsetMinutes(ms: number, timeZone: string): number {
  if (timeZone === 'UTC' || timeZone === 'Z') return 0;
  const fixed = /^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$/.exec(timeZone);
  if (fixed) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3] ?? 0));
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(ms));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

function fieldsAt(ms: number, offsetMin: number): Fields {
  const d = new Date(ms + offsetMin * 60000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
    weekday: d.getUTCDay(),
  };
}

type Token = { text: string } | { letter: string; count: number };

function tokenize(pattern: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      const lit = pattern.slice(i + 1, end < 0 ? pattern.length : end);
      out.push({ text: lit === '' ? "'" : lit });
      i = end < 0 ? pattern.length : end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let n = 1;
      while (pattern[i + n] === c) n += 1;
      out.push({ letter: c, count: n });
      i += n;
    } else {
      out.push({ text: c });
      i += 1;
    }
  }
  return out;
}

const pad = (n: number, w: number): string => String(Math.abs(n)).padStart(w, '0');

function offsetText(min: number, letter: string, count: number): string {
  if (min === 0 && letter === 'X') return 'Z';
  const sign = min < 0 ? '-' : '+';
  const h = pad(Math.floor(Math.abs(min) / 60), 2);
  const m = pad(Math.abs(min) % 60, 2);
  if (letter === 'Z') return count === 5 ? `${sign}${h}:${m}` : `${sign}${h}${m}`;
  if (count === 1) return `${sign}${h}${m === '00' ? '' : m}`;
  return count === 2 || count === 4 ? `${sign}${h}${m}` : `${sign}${h}:${m}`;
}

/** Java's `z` (short, e.g. PST) and `zzzz` (long, e.g. Pacific Standard Time) zone names. */
function zoneName(ms: number, timeZone: string, long: boolean): string {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: long ? 'long' : 'short' }).formatToParts(new Date(ms));
    return parts.find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
  } catch {
    return timeZone;
  }
}

export function formatEpochMillis(ms: number, pattern: string, timeZone = 'UTC'): string {
  const off = zoneOffsetMinutes(ms, timeZone);
  const f = fieldsAt(ms, off);
  let out = '';
  for (const t of tokenize(pattern)) {
    if ('text' in t) {
      out += t.text;
      continue;
    }
    const { letter, count } = t;
    switch (letter) {
      case 'y':
      case 'u':
        out += count === 2 ? pad(f.year % 100, 2) : pad(f.year, count);
        break;
      case 'M':
      case 'L':
        out += count >= 4 ? MONTHS[f.month - 1]! : count === 3 ? MONTHS[f.month - 1]!.slice(0, 3) : pad(f.month, count);
        break;
      case 'd':
        out += pad(f.day, count);
        break;
      case 'H':
        out += pad(f.hour, count);
        break;
      case 'h':
        out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, count);
        break;
      case 'm':
        out += pad(f.minute, count);
        break;
      case 's':
        out += pad(f.second, count);
        break;
      case 'S':
        out += pad(f.ms, 3).padEnd(count, '0').slice(0, count);
        break;
      case 'a':
        out += f.hour < 12 ? 'AM' : 'PM';
        break;
      case 'E':
        out += count >= 4 ? DAYS[f.weekday]! : DAYS[f.weekday]!.slice(0, 3);
        break;
      case 'Z':
      case 'X':
      case 'x':
        out += offsetText(off, letter, count);
        break;
      case 'z':
        out += zoneName(ms, timeZone, count >= 4);
        break;
      case 'V':
        out += timeZone;
        break;
      default:
        out += letter.repeat(count);
    }
  }
  return out;
}

export function parseFormatted(timestamp: string, pattern: string, timeZone = 'UTC'): number {
  const tokens = tokenize(pattern);
  let re = '^';
  const slots: Array<{ letter: string; count: number }> = [];
  for (const t of tokens) {
    if ('text' in t) {
      re += t.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    slots.push(t);
    if (t.letter === 'M' && t.count >= 3) re += '([A-Za-z]+)';
    else if (t.letter === 'E' || t.letter === 'a' || t.letter === 'z' || t.letter === 'V') re += '([A-Za-z_/+-]+)';
    else if (t.letter === 'Z' || t.letter === 'X' || t.letter === 'x') re += '(Z|[+-]\\d{2}:?(?:\\d{2})?)';
    else re += t.count === 1 ? '(\\d+)' : `(\\d{${t.count}})`;
  }
  const m = new RegExp(`${re}$`).exec(String(timestamp));
  if (!m) return Number.NaN;
  const f = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 };
  let pm: boolean | null = null;
  let offset: number | null = null;
  let zone = timeZone;
  slots.forEach((s, i) => {
    const v = m[i + 1] ?? '';
    switch (s.letter) {
      case 'y':
      case 'u':
        f.year = s.count === 2 ? 2000 + Number(v) : Number(v);
        break;
      case 'M':
      case 'L':
        f.month = s.count >= 3 ? MONTHS.findIndex((n) => n.toLowerCase().startsWith(v.toLowerCase().slice(0, 3))) + 1 : Number(v);
        break;
      case 'd':
        f.day = Number(v);
        break;
      case 'H':
      case 'h':
        f.hour = Number(v);
        break;
      case 'm':
        f.minute = Number(v);
        break;
      case 's':
        f.second = Number(v);
        break;
      case 'S':
        f.ms = Number(v.padEnd(3, '0').slice(0, 3));
        break;
      case 'a':
        pm = v.toUpperCase() === 'PM';
        break;
      case 'Z':
      case 'X':
      case 'x':
        offset = v === 'Z' ? 0 : zoneOffsetMinutes(0, v);
        break;
      case 'z':
      case 'V':
        zone = v;
        break;
      default:
        break;
    }
  });
  if (pm !== null) f.hour = (f.hour % 12) + (pm ? 12 : 0);
  const local = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second, f.ms);
  if (offset !== null) return local - (offset as number) * 60000;
  // Local wall time in a zone: correct by the zone's offset, twice to settle across a DST change.
  let guess = local - zoneOffsetMinutes(local, zone) * 60000;
  guess = local - zoneOffsetMinutes(guess, zone) * 60000;
  return guess;
}

export function parseISO8601(timestamp: string): number {
  const s = String(timestamp);
  // Without an offset, Java's ISO parser in AppSync reads UTC; Date.parse would read local time.
  const withZone = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s) ? `${s}Z` : s;
  return Date.parse(withZone);
}

export function createTimeUtils(now: () => number) {
  return {
    nowISO8601: (): string => new Date(now()).toISOString(),
    nowEpochSeconds: (): number => Math.floor(now() / 1000),
    nowEpochMilliSeconds: (): number => now(),
    nowFormatted: (format: string, timezone?: string): string => formatEpochMillis(now(), format, timezone),
    parseFormattedToEpochMilliSeconds: (timestamp: string, format: string, timezone?: string): number => parseFormatted(timestamp, format, timezone),
    parseISO8601ToEpochMilliSeconds: (timestamp: string): number => parseISO8601(timestamp),
    epochMilliSecondsToSeconds: (ms: number): number => Math.floor(ms / 1000),
    epochMilliSecondsToISO8601: (ms: number): string => new Date(ms).toISOString(),
    epochMilliSecondsToFormatted: (ms: number, format: string, timezone?: string): string => formatEpochMillis(ms, format, timezone),
  };
}
