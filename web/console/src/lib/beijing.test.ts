import { describe, expect, it } from 'vitest'
import { dayToPicker, fromPicker, pickerNow, pickerToDay, toPicker } from './beijing'

describe('pickers in Beijing time', () => {
  it("shows a time at its Beijing wall clock, whatever the browser's zone", () => {
    const value = toPicker('2026-11-26T01:30:00Z')
    expect(value?.format('YYYY-MM-DD HH:mm')).toBe('2026-11-26 09:30')
    expect(toPicker(null)).toBeNull()
    expect(toPicker('nonsense')).toBeNull()
  })

  it("reads a picker's choice back as Beijing time", () => {
    expect(fromPicker(toPicker('2026-11-26T01:30:00Z'))).toBe('2026-11-26T09:30:00+08:00')
    expect(fromPicker(null)).toBe('')
    expect(pickerNow(Date.UTC(2026, 10, 25, 16, 30)).format('YYYY-MM-DD HH:mm')).toBe('2026-11-26 00:30')
  })

  it('round-trips days', () => {
    expect(pickerToDay(dayToPicker('2026-02-28'))).toBe('2026-02-28')
    expect(dayToPicker('')).toBeNull()
    expect(pickerToDay(null)).toBe('')
  })
})
