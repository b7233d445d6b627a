import { describe, expect, it } from 'vitest'
import { barChart, labelIndexes, niceMax, stackedBarChart } from './chart'

describe('niceMax', () => {
  it('rounds up to 1, 2, 4, 6, 8 × a power of ten', () => {
    const cases: [number, number][] = [
      [0, 1],
      [0.5, 1],
      [1, 1],
      [1.2, 2],
      [3, 4],
      [5, 6],
      [9, 10],
      [10, 10],
      [11, 20],
      [37, 40],
      [123, 200],
      [250, 400],
      [501, 600],
      [800, 800],
      [801, 1000],
      [12345, 20000],
    ]
    for (const [value, max] of cases) expect(niceMax(value), String(value)).toBe(max)
  })

  it('answers 1 for nothing to scale', () => {
    expect(niceMax(NaN)).toBe(1)
    expect(niceMax(-5)).toBe(1)
  })
})

describe('labelIndexes', () => {
  it('labels every bar when they fit', () => {
    expect([...labelIndexes(4, 5)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3])
  })

  it('spaces the labels evenly back from the last bar', () => {
    expect([...labelIndexes(15, 5)].sort((a, b) => a - b)).toEqual([2, 6, 10, 14])
    expect([...labelIndexes(15, 8)].sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 8, 10, 12, 14])
    expect([...labelIndexes(15, 1)]).toEqual([14])
  })

  it('labels nothing when there is nothing', () => {
    expect(labelIndexes(0, 5).size).toBe(0)
    expect(labelIndexes(5, 0).size).toBe(0)
  })
})

describe('barChart', () => {
  const options = { width: 200, height: 120, top: 10, right: 0, bottom: 10, left: 0, gap: 0.5, maxLabels: 15 }

  it('lays bars out left to right, heights on a common scale from the baseline', () => {
    const chart = barChart(
      [
        { label: '11-24', value: 50 },
        { label: '11-25', value: 100 },
        { label: '11-26', value: 0 },
        { label: '11-27', value: 25 },
      ],
      options,
    )
    expect(chart.max).toBe(100)
    expect(chart.baseline).toBe(110)
    // 4 slots of 50, bars half as wide, centred in them.
    expect(chart.bars.map((b) => b.x)).toEqual([12.5, 62.5, 112.5, 162.5])
    expect(chart.bars.map((b) => b.width)).toEqual([25, 25, 25, 25])
    expect(chart.bars.map((b) => b.center)).toEqual([25, 75, 125, 175])
    expect(chart.bars.map((b) => b.height)).toEqual([50, 100, 0, 25])
    expect(chart.bars.map((b) => b.y)).toEqual([60, 10, 110, 85])
    expect(chart.bars.map((b) => b.label)).toEqual(['11-24', '11-25', '11-26', '11-27'])
    for (const bar of chart.bars) expect(bar.y + bar.height).toBe(chart.baseline)
  })

  it('draws a scale of 0, half and the top', () => {
    const chart = barChart([{ label: 'a', value: 37 }], options)
    expect(chart.max).toBe(40)
    expect(chart.ticks).toEqual([
      { value: 0, y: 110 },
      { value: 20, y: 60 },
      { value: 40, y: 10 },
    ])
  })

  it('keeps a flat chart of zeros drawable', () => {
    const chart = barChart(
      Array.from({ length: 15 }, (_, i) => ({ label: String(i), value: 0 })),
      options,
    )
    expect(chart.max).toBe(1)
    expect(chart.ticks.map((t) => t.value)).toEqual([0, 1])
    expect(chart.bars).toHaveLength(15)
    for (const bar of chart.bars) {
      expect(bar.height).toBe(0)
      expect(bar.y).toBe(110)
    }
  })

  it('keeps a tiny value visible, and treats bad values as zero', () => {
    const chart = barChart(
      [
        { label: 'a', value: 10000 },
        { label: 'b', value: 1 },
        { label: 'c', value: -3 },
        { label: 'd', value: NaN },
      ],
      options,
    )
    expect(chart.bars[1].height).toBe(1)
    expect(chart.bars[2].height).toBe(0)
    expect(chart.bars[3]).toMatchObject({ height: 0, value: 0 })
  })

  it('labels the last bar and as many others as allowed', () => {
    const points = Array.from({ length: 15 }, (_, i) => ({ label: `d${i}`, value: i }))
    const chart = barChart(points, { width: 343, height: 160, maxLabels: 5 })
    expect(chart.bars.filter((b) => b.labeled).map((b) => b.label)).toEqual(['d2', 'd6', 'd10', 'd14'])
    // Default margins: the bars stay inside the drawing.
    for (const bar of chart.bars) {
      expect(bar.x).toBeGreaterThanOrEqual(chart.left)
      expect(bar.x + bar.width).toBeLessThanOrEqual(chart.right)
      expect(bar.y).toBeGreaterThanOrEqual(0)
    }
  })

  it('answers no bars for no points', () => {
    const chart = barChart([], options)
    expect(chart.bars).toEqual([])
    expect(chart.max).toBe(1)
  })
})

describe('stackedBarChart', () => {
  const options = { width: 200, height: 120, top: 10, right: 0, bottom: 10, left: 0, gap: 0.5, maxLabels: 15 }

  it('sizes each bar by the sum of its parts and stacks them from the baseline', () => {
    const chart = stackedBarChart(
      [
        { label: 'a', values: [50, 30, 20] },
        { label: 'b', values: [10, 0, 15] },
      ],
      options,
    )
    expect(chart.max).toBe(100)
    expect(chart.bars.map((b) => b.value)).toEqual([100, 25])
    const [a, b] = chart.bars
    expect(a.segments).toEqual([
      { series: 0, value: 50, y: 60, height: 50 },
      { series: 1, value: 30, y: 30, height: 30 },
      { series: 2, value: 20, y: 10, height: 20 },
    ])
    // The empty part is left out; the others still meet.
    expect(b.segments.map((s) => s.series)).toEqual([0, 2])
    expect(b.segments[0]).toMatchObject({ y: 100, height: 10 })
    expect(b.segments[1]).toMatchObject({ y: 85, height: 15 })
  })

  it('fills every bar exactly, rounding included', () => {
    const chart = stackedBarChart(
      [
        { label: 'a', values: [333, 333, 334] },
        { label: 'b', values: [1, 1, 1] },
        { label: 'c', values: [7, 0, 0] },
      ],
      { width: 343, height: 160 },
    )
    for (const bar of chart.bars) {
      const filled = bar.segments.reduce((n, s) => n + s.height, 0)
      expect(Math.abs(filled - bar.height)).toBeLessThan(0.02)
      expect(bar.segments.at(-1)?.y).toBe(bar.y)
      expect(bar.segments[0].y + bar.segments[0].height).toBeCloseTo(chart.baseline, 2)
    }
  })

  it('keeps a tiny bar visible and filled, and ignores bad parts', () => {
    const chart = stackedBarChart(
      [
        { label: 'a', values: [10000, 0, 0] },
        { label: 'b', values: [0, 1, -5] },
        { label: 'c', values: [NaN, 0, 0] },
      ],
      options,
    )
    expect(chart.bars[1].height).toBe(1)
    expect(chart.bars[1].segments).toEqual([{ series: 1, value: 1, y: 109, height: 1 }])
    expect(chart.bars[2]).toMatchObject({ value: 0, height: 0, segments: [] })
  })
})
