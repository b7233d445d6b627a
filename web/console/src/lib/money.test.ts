import { describe, expect, it } from 'vitest'
import { bpToPercent, fenToYuan, formatFen, formatYuan, parseYuan, percentToBp } from './money'

describe('money', () => {
  it('shows fen as yuan', () => {
    expect(fenToYuan(0)).toBe('0.00')
    expect(fenToYuan(10)).toBe('0.10')
    expect(fenToYuan(12345)).toBe('123.45')
    expect(fenToYuan(-5)).toBe('-0.05')
  })

  it('reads yuan as fen', () => {
    expect(parseYuan('1')).toBe(100)
    expect(parseYuan(' 0.1 ')).toBe(10)
    expect(parseYuan('0.30')).toBe(30)
    expect(parseYuan('1.005')).toBeNull()
    expect(parseYuan('-1')).toBeNull()
    expect(parseYuan('')).toBeNull()
  })

  it('shows amounts with ¥ and thousands separators', () => {
    expect(formatFen(0)).toBe('¥0.00')
    expect(formatFen(5)).toBe('¥0.05')
    expect(formatFen(123456789)).toBe('¥1,234,567.89')
    expect(formatFen(100000)).toBe('¥1,000.00')
    expect(formatFen(-12345)).toBe('-¥123.45')
    expect(formatFen(null)).toBe('—')
    expect(formatFen(Number.NaN)).toBe('—')
    expect(formatYuan(12.3)).toBe('¥12.30')
    expect(formatYuan(0.1 + 0.2)).toBe('¥0.30')
  })
})

describe('rates', () => {
  it('shows basis points as percent without trailing zeros', () => {
    expect(bpToPercent(1000)).toBe('10')
    expect(bpToPercent(500)).toBe('5')
    expect(bpToPercent(1050)).toBe('10.5')
    expect(bpToPercent(1234)).toBe('12.34')
    expect(bpToPercent(5)).toBe('0.05')
    expect(bpToPercent(0)).toBe('0')
    expect(bpToPercent(10000)).toBe('100')
  })

  it('reads percent as whole basis points', () => {
    expect(percentToBp('10')).toBe(1000)
    expect(percentToBp(' 10.5 ')).toBe(1050)
    expect(percentToBp('0.01')).toBe(1)
    expect(percentToBp('12.34')).toBe(1234)
    expect(percentToBp('0')).toBe(0)
    expect(percentToBp('10.005')).toBeNull()
    expect(percentToBp('-1')).toBeNull()
    expect(percentToBp('1e3')).toBeNull()
    expect(percentToBp('')).toBeNull()
  })

  it('round-trips every rate the server allows', () => {
    for (let bp = 0; bp <= 5000; bp++) expect(percentToBp(bpToPercent(bp))).toBe(bp)
  })
})
