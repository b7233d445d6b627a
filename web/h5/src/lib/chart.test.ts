import { describe, expect, it } from 'vitest'
import { axisMax, barTotals, barsOption, dayLabel, niceMax, scaleText, tooltipLines, valueText, type BarsInput } from './chart'

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

const income: BarsInput = {
  days: ['2026-11-25', '2026-11-26', '2026-11-27'],
  series: [
    { name: 'group', label: '群收益', color: '#f80', values: [300, 0, 10] },
    { name: 'ad', label: '广告收益', color: '#08f', values: [20, 0, NaN] },
  ],
  partial: 2,
  unit: 'fen',
  floor: 100,
  emptyText: '暂无收益',
}

describe('the scale', () => {
  it('sums the parts of each bar, bad parts as 0', () => {
    expect(barTotals(income)).toEqual([320, 0, 10])
  })

  it('keeps a sensible top for an empty or tiny chart, never 0–0.01', () => {
    expect(axisMax([0, 0, 0], 100)).toBe(100)
    expect(axisMax([1], 100)).toBe(100)
    expect(axisMax([0], 10)).toBe(10)
    expect(axisMax([320], 100)).toBe(400)
  })

  it('writes values and the scale in their unit', () => {
    expect(valueText(1234, 'fen')).toBe('¥12.34')
    expect(valueText(7, 'sessions')).toBe('7 次')
    expect(scaleText(50, 'fen')).toBe('0.5')
    expect(scaleText(200, 'fen')).toBe('2')
    expect(scaleText(20, 'sessions')).toBe('20')
  })

  it('labels days, today as 今天', () => {
    expect(dayLabel('2026-11-26', false)).toBe('11-26')
    expect(dayLabel('2026-11-26', true)).toBe('今天')
  })
})

describe('the tooltip', () => {
  it('says each part and the total of a day', () => {
    expect(tooltipLines(income, 0)).toEqual(['11-25', '群收益：¥3.00', '广告收益：¥0.20', '合计：¥3.20'])
  })

  it('says the partial day is today and not over', () => {
    expect(tooltipLines(income, 2)[0]).toBe('11-27（今天，进行中，未满一天）')
  })

  it('says a single series by its name', () => {
    const sessions: BarsInput = { ...income, series: [{ name: 's', label: '会话', color: '#f80', values: [4, 0, 1] }], unit: 'sessions' }
    expect(tooltipLines(sessions, 0)).toEqual(['11-25', '会话：4 次'])
  })
})

describe('barsOption', () => {
  it('stacks the series on a round scale, today marked', () => {
    const option = barsOption(income)
    expect(option.yAxis.max).toBe(400)
    expect(option.yAxis.interval).toBe(200)
    expect(option.xAxis.data).toEqual(['11-25', '11-26', '今天'])
    expect(option.series.map((s) => s.stack)).toEqual(['total', 'total'])
    expect(option.series[0].data[2]).toMatchObject({ value: 10, itemStyle: { opacity: 0.45 } })
    expect(option.series[0].markArea?.data).toEqual([[{ xAxis: '今天' }, { xAxis: '今天' }]])
    expect(option.tooltip.triggerOn).toBe('mousemove|click')
    expect(option.tooltip.formatter([{ dataIndex: 0 }])).toBe('<b>11-25</b><br/>群收益：¥3.00<br/>广告收益：¥0.20<br/>合计：¥3.20')
    expect(option.graphic).toEqual([])
  })

  it('says so across an empty chart, on a ¥0–¥1 scale', () => {
    const empty = { ...income, series: income.series.map((s) => ({ ...s, values: [0, 0, 0] })), partial: null }
    const option = barsOption(empty)
    expect(option.yAxis.max).toBe(100)
    expect(option.yAxis.axisLabel.formatter(100)).toBe('1')
    expect(option.graphic).toMatchObject([{ type: 'text', style: { text: '暂无收益' } }])
    expect(option.series[0].markArea).toBeUndefined()
  })
})
