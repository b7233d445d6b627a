// Days and times as the console shows and sends them. The product runs on China time (UTC+08:00,
// no daylight saving): days are "YYYY-MM-DD", times RFC 3339, and <input type="datetime-local">
// values are read as +08:00 whatever the browser's own zone.

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS

/** China's offset from UTC, in milliseconds. */
export const CHINA_OFFSET_MS = 8 * HOUR_MS

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/
const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/

/** Milliseconds since the epoch of an RFC 3339 time, or NaN. */
export function parseTime(value: string | null | undefined): number {
  if (!value) return NaN
  const t = Date.parse(value)
  if (!Number.isNaN(t)) return t
  // Some engines refuse more than 3 fraction digits (Rust writes up to 9): keep milliseconds.
  return Date.parse(value.replace(/(\.\d{3})\d+/, '$1'))
}

/** The UTC milliseconds of a "YYYY-MM-DD" day's midnight, or NaN when it is no real day. */
function dayMs(day: string): number {
  const m = DAY_RE.exec(day)
  if (!m) return NaN
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  return new Date(t).toISOString().slice(0, 10) === day ? t : NaN
}

/** Whether `day` is a real "YYYY-MM-DD" day. */
export const isDay = (day: string): boolean => !Number.isNaN(dayMs(day))

/** The day in China at `now` (ms since the epoch). */
export const chinaToday = (now: number = Date.now()): string =>
  new Date(now + CHINA_OFFSET_MS).toISOString().slice(0, 10)

/** `day` moved by `n` days (negative: back). */
export function addDays(day: string, n: number): string {
  const t = dayMs(day)
  if (Number.isNaN(t)) throw new RangeError(`not a day: ${day}`)
  return new Date(t + n * DAY_MS).toISOString().slice(0, 10)
}

/** How many days `from`…`to` covers, both included (0 when `to` is before `from`). */
export function dayCount(from: string, to: string): number {
  const a = dayMs(from)
  const b = dayMs(to)
  if (Number.isNaN(a) || Number.isNaN(b) || b < a) return 0
  return Math.round((b - a) / DAY_MS) + 1
}

export interface DayRange {
  from: string
  to: string
}

/** The `n` days ending with `today`, both ends included. */
export const lastDays = (n: number, today: string): DayRange => ({ from: addDays(today, -(n - 1)), to: today })

/** The most days a dashboard range may cover. */
export const MAX_RANGE_DAYS = 366

/** What is wrong with a range, or '' when it may be asked for. */
export function validateRange({ from, to }: DayRange, max = MAX_RANGE_DAYS): string {
  if (!from || !to) return '请选择开始和结束日期'
  if (!isDay(from) || !isDay(to)) return '日期格式不正确'
  if (to < from) return '开始日期不能晚于结束日期'
  if (dayCount(from, to) > max) return `时间范围不能超过 ${max} 天`
  return ''
}

/** "2026-11-25" → "11-25", for axes. */
export const shortDay = (day: string): string => (DAY_RE.test(day) ? day.slice(5) : day)

/**
 * A datetime-local value ("2026-11-26T09:30", seconds optional) read as China time, as RFC 3339
 * ("2026-11-26T09:30:00+08:00"); '' when it is no real time.
 */
export function localInputToRfc3339(value: string): string {
  const m = LOCAL_RE.exec(value.trim())
  if (!m) return ''
  const [, y, mo, d, h, mi, s = '00'] = m
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  const wall = `${y}-${mo}-${d}T${h}:${mi}:${s}`
  if (new Date(t).toISOString().slice(0, 19) !== wall) return ''
  return `${wall}+08:00`
}

/** An RFC 3339 time as a datetime-local value in China time ("2026-11-26T09:30"); '' if invalid. */
export function rfc3339ToLocalInput(value: string | null | undefined): string {
  const t = parseTime(value)
  return Number.isNaN(t) ? '' : new Date(t + CHINA_OFFSET_MS).toISOString().slice(0, 16)
}

/** `now` (ms) as a datetime-local value in China time, to the minute (seconds dropped). */
export const localInputAt = (now: number): string => new Date(now + CHINA_OFFSET_MS).toISOString().slice(0, 16)

/** An RFC 3339 time shown in China time: "2026-11-26 09:30"; '—' when absent. */
export function formatDateTime(value: string | null | undefined, withSeconds = false): string {
  if (!value) return '—'
  const t = parseTime(value)
  if (Number.isNaN(t)) return value
  return new Date(t + CHINA_OFFSET_MS)
    .toISOString()
    .slice(0, withSeconds ? 19 : 16)
    .replace('T', ' ')
}

/** Minutes since midnight in China at `now` (ms since the epoch). */
export const chinaMinutes = (now: number = Date.now()): number => {
  const t = new Date(now + CHINA_OFFSET_MS)
  return t.getUTCHours() * 60 + t.getUTCMinutes()
}
