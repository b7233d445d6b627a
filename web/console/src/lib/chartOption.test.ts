import { describe, expect, it } from 'vitest'
import { formatCount, hasData, itemValue, sensibleAxes, seriesValues } from './chartOption'

describe('chart options', () => {
  it('reads values of numbers, pairs and {value} items, skipping gaps', () => {
    expect(itemValue(3)).toBe(3)
    expect(itemValue([60, 40])).toBe(40)
    expect(itemValue({ value: 7 })).toBe(7)
    expect(itemValue(null)).toBeNull()
    expect(seriesValues({ series: [{ data: [1, null, 2] }, { data: [[0, 5]] }] })).toEqual([1, 2, 5])
  })

  it('knows when there is nothing to draw', () => {
    expect(hasData({ series: [] })).toBe(false)
    expect(hasData({ series: [{ data: [null, null] }] })).toBe(false)
    expect(hasData({ series: [{ data: [0] }] })).toBe(true)
  })

  it('gives an all-zero chart an axis of 0–1 in whole steps, never 0–0.01', () => {
    const option = sensibleAxes({ yAxis: { type: 'value', min: 0 }, series: [{ data: [0, 0, 0] }] })
    expect(option.yAxis).toMatchObject({ min: 0, max: 1, interval: 1, minInterval: 1 })
    const many = sensibleAxes({ yAxis: [{ type: 'value' }, { type: 'category' }], series: [{ data: [] }] })
    expect(many.yAxis).toEqual([{ type: 'value', min: 0, max: 1, interval: 1, minInterval: 1 }, { type: 'category' }])
  })

  it('leaves charts with values alone', () => {
    const option = { yAxis: { type: 'value' }, series: [{ data: [0, 0.05] }] }
    expect(sensibleAxes(option)).toBe(option)
  })

  it('formats counts, ten thousand and up as 万', () => {
    expect(formatCount(1234)).toBe('1,234')
    expect(formatCount(12_345)).toBe('1.2万')
    expect(formatCount(2.5)).toBe('2.5')
  })
})
