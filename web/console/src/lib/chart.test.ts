import { describe, expect, it } from 'vitest'
import { formatCount, labelIndexes, linePath, linearScale, nearestIndex, niceStep, niceTicks, pointX } from './chart'

describe('value axis', () => {
  it('rounds steps to 1, 2, 2.5, 5 × 10^k', () => {
    expect(niceStep(0.7)).toBe(1)
    expect(niceStep(1)).toBe(1)
    expect(niceStep(1.3)).toBe(2)
    expect(niceStep(2.2)).toBe(2.5)
    expect(niceStep(3)).toBe(5)
    expect(niceStep(7)).toBe(10)
    expect(niceStep(130)).toBe(200)
    expect(niceStep(0)).toBe(1)
  })

  it('covers the maximum from zero with round whole steps', () => {
    expect(niceTicks(100)).toEqual([0, 20, 40, 60, 80, 100])
    expect(niceTicks(12)).toEqual([0, 5, 10, 15])
    expect(niceTicks(3)).toEqual([0, 1, 2, 3])
    expect(niceTicks(1234)).toEqual([0, 250, 500, 750, 1000, 1250])
  })

  it('still draws an axis when everything is zero', () => {
    expect(niceTicks(0)).toEqual([0, 1])
    expect(niceTicks(-5)).toEqual([0, 1])
    expect(niceTicks(NaN)).toEqual([0, 1])
  })

  it('allows fractional steps when asked', () => {
    expect(niceTicks(1, 5, false)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1])
  })

  it('always reaches at least the maximum', () => {
    for (const max of [1, 7, 19, 99, 101, 555, 9999, 123456]) {
      const ticks = niceTicks(max)
      expect(ticks[0]).toBe(0)
      expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(max)
      expect(ticks.length).toBeLessThanOrEqual(11)
    }
  })

  it('maps values to pixels, upside down for SVG', () => {
    const y = linearScale(0, 100, 200, 0)
    expect(y(0)).toBe(200)
    expect(y(50)).toBe(100)
    expect(y(100)).toBe(0)
    expect(linearScale(5, 5, 10, 20)(5)).toBe(10)
  })
})

describe('category axis', () => {
  it('spreads points from edge to edge, one point in the middle', () => {
    expect(pointX(0, 3, 0, 100)).toBe(0)
    expect(pointX(1, 3, 0, 100)).toBe(50)
    expect(pointX(2, 3, 0, 100)).toBe(100)
    expect(pointX(0, 1, 0, 100)).toBe(50)
  })

  it('finds the point nearest the pointer, clamped to the ends', () => {
    expect(nearestIndex(24, 5, 0, 100)).toBe(1)
    expect(nearestIndex(26, 5, 0, 100)).toBe(1)
    expect(nearestIndex(38, 5, 0, 100)).toBe(2)
    expect(nearestIndex(-10, 5, 0, 100)).toBe(0)
    expect(nearestIndex(500, 5, 0, 100)).toBe(4)
    expect(nearestIndex(10, 0, 0, 100)).toBe(-1)
    expect(nearestIndex(10, 1, 0, 100)).toBe(0)
  })

  it('thins the labels to what fits and keeps the last one', () => {
    expect(labelIndexes(5, 10)).toEqual([0, 1, 2, 3, 4])
    expect(labelIndexes(30, 8)).toEqual([0, 4, 8, 12, 16, 20, 24, 29])
    expect(labelIndexes(31, 8)).toEqual([0, 4, 8, 12, 16, 20, 24, 30])
    expect(labelIndexes(0, 8)).toEqual([])
    expect(labelIndexes(1, 8)).toEqual([0])
    for (const n of [7, 30, 90, 366]) {
      const shown = labelIndexes(n, 10)
      expect(shown.length).toBeLessThanOrEqual(11)
      expect(shown[0]).toBe(0)
      expect(shown[shown.length - 1]).toBe(n - 1)
    }
  })

  it('draws a path through the points', () => {
    expect(linePath([[0, 10], [5.04, 2.36], [10, 0]])).toBe('M0,10L5,2.4L10,0')
    expect(linePath([])).toBe('')
  })

  it('formats counts compactly', () => {
    expect(formatCount(0)).toBe('0')
    expect(formatCount(1234)).toBe('1,234')
    expect(formatCount(12.5)).toBe('12.5')
    expect(formatCount(12000)).toBe('1.2万')
    expect(formatCount(100000)).toBe('10万')
  })
})
