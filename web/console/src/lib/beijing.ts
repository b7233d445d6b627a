// Beijing time for antd's pickers. The pickers work on dayjs values in the browser's own zone;
// these helpers hand them China wall-clock values (a picker shows 09:30 for 09:30 in Beijing,
// whatever the browser's zone) and read their choice back as China time.
import dayjs, { type Dayjs } from 'dayjs'
import { CHINA_OFFSET_MS, parseTime } from './dates'

export const CHINA_ZONE = 'Asia/Shanghai'

/** Fields of China wall-clock time at `ms` (since the epoch). */
function chinaWall(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 19)
}

/** An RFC 3339 time as a picker value showing its Beijing wall-clock time; null if absent. */
export function toPicker(value: string | null | undefined): Dayjs | null {
  const t = parseTime(value)
  return Number.isNaN(t) ? null : dayjs(chinaWall(t))
}

/** The picker value of `now` (ms) in Beijing time. */
export const pickerNow = (now: number = Date.now()): Dayjs => dayjs(chinaWall(now))

/** A picker's value read as Beijing time, as RFC 3339 ("2026-11-26T09:30:00+08:00"); '' if none. */
export function fromPicker(value: Dayjs | null | undefined): string {
  if (!value || !value.isValid()) return ''
  return `${value.format('YYYY-MM-DDTHH:mm:ss')}+08:00`
}

/** A "YYYY-MM-DD" day as a date picker value (null when absent or invalid). */
export function dayToPicker(day: string | null | undefined): Dayjs | null {
  if (!day) return null
  const d = dayjs(day, 'YYYY-MM-DD')
  return d.isValid() ? d : null
}

/** A date picker's value as "YYYY-MM-DD" ('' when none). */
export const pickerToDay = (value: Dayjs | null | undefined): string =>
  value && value.isValid() ? value.format('YYYY-MM-DD') : ''
