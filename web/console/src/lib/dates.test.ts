import { describe, expect, it } from 'vitest'
import {
  addDays,
  chinaMinutes,
  chinaToday,
  dayCount,
  formatDateTime,
  isDay,
  lastDays,
  localInputAt,
  localInputToRfc3339,
  parseTime,
  rfc3339ToLocalInput,
  shortDay,
  validateRange,
} from './dates'

describe('days', () => {
  it('knows real days from look-alikes', () => {
    expect(isDay('2026-11-25')).toBe(true)
    expect(isDay('2028-02-29')).toBe(true)
    expect(isDay('2026-02-29')).toBe(false)
    expect(isDay('2026-13-01')).toBe(false)
    expect(isDay('2026-1-1')).toBe(false)
    expect(isDay('')).toBe(false)
  })

  it('takes today in China, whatever the machine zone', () => {
    // 2026-11-25 16:30 UTC is already 00:30 on the 26th in Beijing.
    expect(chinaToday(Date.UTC(2026, 10, 25, 16, 30))).toBe('2026-11-26')
    expect(chinaToday(Date.UTC(2026, 10, 25, 15, 59))).toBe('2026-11-25')
  })

  it('moves across months, years and leap days', () => {
    expect(addDays('2026-11-25', 1)).toBe('2026-11-26')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(() => addDays('nope', 1)).toThrow(RangeError)
  })

  it('counts both ends of a range', () => {
    expect(dayCount('2026-11-25', '2026-11-25')).toBe(1)
    expect(dayCount('2026-11-01', '2026-11-30')).toBe(30)
    expect(dayCount('2026-11-30', '2026-11-01')).toBe(0)
  })

  it('makes the quick ranges end today and hold n days', () => {
    expect(lastDays(7, '2026-11-26')).toEqual({ from: '2026-11-20', to: '2026-11-26' })
    expect(lastDays(30, '2026-11-26')).toEqual({ from: '2026-10-28', to: '2026-11-26' })
    expect(dayCount(lastDays(90, '2026-03-01').from, '2026-03-01')).toBe(90)
  })

  it('refuses ranges the server would', () => {
    expect(validateRange({ from: '2026-11-01', to: '2026-11-30' })).toBe('')
    expect(validateRange({ from: '', to: '2026-11-30' })).toBe('请选择开始和结束日期')
    expect(validateRange({ from: '2026-11-30', to: '2026-11-01' })).toBe('开始日期不能晚于结束日期')
    expect(validateRange({ from: '2025-01-01', to: '2025-12-31' })).toBe('')
    expect(validateRange({ from: '2024-01-01', to: '2024-12-31' })).toBe('') // 366 days
    expect(validateRange({ from: '2025-01-01', to: '2026-01-02' })).toBe('时间范围不能超过 366 天')
    expect(validateRange({ from: '2026-02-30', to: '2026-03-01' })).toBe('日期格式不正确')
  })

  it('shortens days for the axis', () => {
    expect(shortDay('2026-11-25')).toBe('11-25')
    expect(shortDay('x')).toBe('x')
  })
})

describe('times in RFC 3339 and +08:00', () => {
  it('reads a datetime-local value as China time', () => {
    expect(localInputToRfc3339('2026-11-26T09:30')).toBe('2026-11-26T09:30:00+08:00')
    expect(localInputToRfc3339('2026-11-26T09:30:15')).toBe('2026-11-26T09:30:15+08:00')
    expect(localInputToRfc3339('2026-11-26T09:30:15.250')).toBe('2026-11-26T09:30:15+08:00')
    expect(localInputToRfc3339(' 2026-11-26T00:00 ')).toBe('2026-11-26T00:00:00+08:00')
  })

  it('refuses what is no real time', () => {
    expect(localInputToRfc3339('')).toBe('')
    expect(localInputToRfc3339('2026-11-26')).toBe('')
    expect(localInputToRfc3339('2026-02-30T10:00')).toBe('')
    expect(localInputToRfc3339('2026-11-26T24:00')).toBe('')
    expect(localInputToRfc3339('2026-11-26T09:60')).toBe('')
  })

  it('answers the same instant the browser would mean in Beijing', () => {
    const sent = localInputToRfc3339('2026-11-26T09:30')
    expect(Date.parse(sent)).toBe(Date.UTC(2026, 10, 26, 1, 30))
  })

  it('shows server times in China time, whatever offset they come with', () => {
    expect(rfc3339ToLocalInput('2026-11-26T01:30:00Z')).toBe('2026-11-26T09:30')
    expect(rfc3339ToLocalInput('2026-11-26T09:30:00+08:00')).toBe('2026-11-26T09:30')
    expect(rfc3339ToLocalInput('2026-11-25T20:00:00-05:00')).toBe('2026-11-26T09:00')
    expect(rfc3339ToLocalInput('2026-11-25T17:30:00.123456789+00:00')).toBe('2026-11-26T01:30')
    expect(rfc3339ToLocalInput('garbage')).toBe('')
    expect(rfc3339ToLocalInput(null)).toBe('')
  })

  it('round-trips a form value', () => {
    for (const value of ['2026-11-26T09:30', '2026-12-31T23:59', '2027-01-01T00:00']) {
      expect(rfc3339ToLocalInput(localInputToRfc3339(value))).toBe(value)
    }
  })

  it('starts new forms at the current minute in China', () => {
    expect(localInputAt(Date.UTC(2026, 10, 25, 16, 30, 59))).toBe('2026-11-26T00:30')
  })

  it('parses up to nanoseconds', () => {
    expect(parseTime('2026-11-26T01:30:00.123456789Z')).toBe(Date.UTC(2026, 10, 26, 1, 30, 0, 123))
    expect(Number.isNaN(parseTime(''))).toBe(true)
  })

  it('formats for tables', () => {
    expect(formatDateTime('2026-11-26T01:30:05Z')).toBe('2026-11-26 09:30')
    expect(formatDateTime('2026-11-26T01:30:05Z', true)).toBe('2026-11-26 09:30:05')
    expect(formatDateTime(null)).toBe('—')
    expect(formatDateTime('soon')).toBe('soon')
  })
})

describe('time of day', () => {
  it('counts minutes since midnight in China', () => {
    expect(chinaMinutes(Date.parse('2026-11-26T00:30:00Z'))).toBe(8 * 60 + 30)
    expect(chinaMinutes(Date.parse('2026-11-26T16:00:00Z'))).toBe(0)
    expect(chinaMinutes(Date.parse('2026-11-26T15:59:59Z'))).toBe(1439)
  })
})
