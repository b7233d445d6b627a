import { describe, expect, it } from 'vitest'
import { dayTooltip, endsToday, partialDayLabel, partialDaySeries, splitPartialDay } from './partialDay'

const days = ['2026-11-24', '2026-11-25', '2026-11-26']

describe("today's partial day", () => {
  it('is labelled with the time of the figures, in Beijing time', () => {
    expect(partialDayLabel('2026-11-26T06:05:00Z')).toBe('今日（截至 14:05）')
    expect(partialDayLabel(Date.UTC(2026, 10, 25, 16, 30))).toBe('今日（截至 00:30）')
  })

  it('splits today off as a separate segment joined to the day before', () => {
    expect(endsToday(days, '2026-11-26')).toBe(true)
    expect(splitPartialDay(days, [54, 50, 3], '2026-11-26')).toEqual({ full: [54, 50, null], partial: [null, 50, 3] })
  })

  it('leaves a range without today whole', () => {
    expect(endsToday(days, '2026-11-27')).toBe(false)
    expect(splitPartialDay(days, [1, 2, 3], '2026-11-27')).toEqual({ full: [1, 2, 3], partial: [null, null, null] })
  })

  it('draws today dashed under the same name, with a labelled band on the first line only', () => {
    const series = partialDaySeries(
      days,
      [
        { name: '日活跃用户', color: '#1677ff', values: [54, 50, 3] },
        { name: '新增用户', color: '#14c9c9', values: [5, 4, 1] },
      ],
      '2026-11-26',
      '今日（截至 14:05）',
    )
    expect(series.map((s) => s.name)).toEqual(['日活跃用户', '日活跃用户', '新增用户', '新增用户'])
    expect(series[1]).toMatchObject({ data: [null, 50, 3], lineStyle: { type: 'dashed' } })
    expect(series[1].markArea).toMatchObject({
      label: { formatter: '今日（截至 14:05）' },
      data: [[{ xAxis: '2026-11-26' }, { xAxis: '2026-11-26' }]],
    })
    expect(series[3].markArea).toBeUndefined()
    expect(partialDaySeries(days, [{ name: 'a', color: '#000', values: [1, 2, 3] }], '2026-11-27', '')).toHaveLength(1)
  })

  it("shows each line once in the tooltip, today's day with its label", () => {
    const html = dayTooltip(
      [
        { seriesName: '日活跃用户', value: 50, axisValue: '2026-11-25' },
        { seriesName: '日活跃用户', value: 50, axisValue: '2026-11-25' },
        { seriesName: '新增用户', value: null, axisValue: '2026-11-25' },
      ],
      '2026-11-26',
      '今日（截至 14:05）',
      String,
    )
    expect(html).toBe('2026-11-25<br/>日活跃用户：<b>50</b>')
    expect(dayTooltip([{ seriesName: 'a<b>', value: 3, axisValue: '2026-11-26' }], '2026-11-26', '今日（截至 14:05）', String)).toBe(
      '2026-11-26 今日（截至 14:05）<br/>a&lt;b&gt;：<b>3</b>',
    )
  })
})
