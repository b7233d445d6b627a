import { describe, expect, it } from 'vitest'
import {
  releaseChartOption,
  distributionToForm,
  formToDistribution,
  formatClock,
  nextReleaseTime,
  parseClock,
  releaseSteps,
  releasedPctAt,
  rowsToReleases,
  sameForm,
  shareTotal,
  type DistributionForm,
} from './distribution'

const form = (releases: Array<[string, string]>, amount = '1', display_rate = '3'): DistributionForm => ({
  releases: releases.map(([at, share]) => ({ at, share })),
  amount,
  display_rate,
})

const DEFAULT = {
  releases: [
    { at: '08:00', share_pct: 50 },
    { at: '12:00', share_pct: 30 },
    { at: '19:00', share_pct: 20 },
  ],
  amount: 1,
  display_rate: 3,
}

describe('clock times', () => {
  it('reads HH:MM (and H:MM) as minutes of the day', () => {
    expect(parseClock('00:00')).toBe(0)
    expect(parseClock('08:30')).toBe(510)
    expect(parseClock(' 8:05 ')).toBe(485)
    expect(parseClock('23:59')).toBe(1439)
    expect(parseClock('24:00')).toBeNaN()
    expect(parseClock('12:60')).toBeNaN()
    expect(parseClock('1200')).toBeNaN()
    expect(parseClock('')).toBeNaN()
  })

  it('writes minutes as HH:MM', () => {
    expect(formatClock(0)).toBe('00:00')
    expect(formatClock(485)).toBe('08:05')
    expect(formatClock(1440)).toBe('24:00')
  })
})

describe('distribution form', () => {
  it('round-trips the server body (released_pct_now is not sent)', () => {
    const f = distributionToForm({ ...DEFAULT, released_pct_now: 50 })
    expect(f.releases[1]).toEqual({ at: '12:00', share: '30' })
    expect(formToDistribution(f)).toEqual({ body: DEFAULT })
  })

  it('sorts releases by time and normalises the times', () => {
    const parsed = formToDistribution(form([['19:00', '20'], ['8:00', '50'], ['12:00', '30']], ' 2 ', '5'))
    expect(parsed).toEqual({
      body: { releases: DEFAULT.releases, amount: 2, display_rate: 5 },
    })
  })

  it('accepts shares below 100 in total and everything at midnight', () => {
    expect(formToDistribution(form([['00:00', '100']]))).toEqual({
      body: { releases: [{ at: '00:00', share_pct: 100 }], amount: 1, display_rate: 3 },
    })
    expect('body' in formToDistribution(form([['09:00', '10']]))).toBe(true)
  })

  it('refuses a total above 100 %', () => {
    expect(formToDistribution(form([['08:00', '60'], ['12:00', '50']]))).toEqual({
      error: '释放比例合计 110%，不能超过 100%',
    })
  })

  it('refuses a time twice, however written', () => {
    expect(formToDistribution(form([['08:00', '10'], ['8:00', '10']]))).toEqual({ error: '释放时间 08:00 重复' })
  })

  it('names the row of a bad time or share', () => {
    expect(formToDistribution(form([['08:00', '10'], ['', '10']]))).toEqual({ error: '第 2 行：请填写时间（HH:MM）' })
    expect(formToDistribution(form([['08:00', '0']]))).toEqual({ error: '第 1 行：释放比例须为 1–100 的整数' })
    expect(formToDistribution(form([['08:00', '12.5']]))).toEqual({ error: '第 1 行：释放比例须为 1–100 的整数' })
    expect(formToDistribution(form([['08:00', '101']]))).toEqual({ error: '第 1 行：释放比例须为 1–100 的整数' })
  })

  it('asks for at least one release', () => {
    expect(formToDistribution(form([]))).toEqual({ error: '请至少添加一个释放时间' })
  })

  it('keeps the amount within 1–5 and the display rate within 1–20', () => {
    expect(formToDistribution(form([['08:00', '50']], '0'))).toEqual({ error: '每次分配数量须为 1–5 的整数' })
    expect(formToDistribution(form([['08:00', '50']], '6'))).toEqual({ error: '每次分配数量须为 1–5 的整数' })
    expect(formToDistribution(form([['08:00', '50']], '5', '21'))).toEqual({ error: '展示倍率须为 1–20 的整数' })
    expect(formToDistribution(form([['08:00', '50']], '5', ''))).toEqual({ error: '展示倍率须为 1–20 的整数' })
    expect('body' in formToDistribution(form([['08:00', '50']], '5', '20'))).toBe(true)
  })

  it('tells an edited form from the saved one', () => {
    const saved = distributionToForm(DEFAULT)
    expect(sameForm(saved, distributionToForm(DEFAULT))).toBe(true)
    expect(sameForm(saved, { ...saved, amount: '2' })).toBe(false)
    expect(sameForm(saved, { ...saved, releases: saved.releases.slice(1) })).toBe(false)
    const rows = saved.releases.map((r, i) => ({ ...r, key: i }))
    expect(sameForm(saved, { ...saved, releases: rows })).toBe(true)
    expect(sameForm(saved, { ...saved, releases: [{ ...rows[0], share: '40' }, ...rows.slice(1)] })).toBe(false)
  })

  it('totals the shares typed so far', () => {
    expect(shareTotal(form([['08:00', '50'], ['12:00', ' 30 '], ['19:00', 'x']]).releases)).toBe(80)
  })

  it('suggests a free time an hour after the latest', () => {
    expect(nextReleaseTime([])).toBe('08:00')
    expect(nextReleaseTime(form([['08:00', '1'], ['19:00', '1']]).releases)).toBe('20:00')
    expect(nextReleaseTime(form([['23:30', '1']]).releases)).toBe('23:59')
    expect(nextReleaseTime(form([['23:59', '1']]).releases)).toBe('23:58')
  })
})

describe('cumulative release', () => {
  it('adds the shares released by a time of day', () => {
    expect(releasedPctAt(DEFAULT.releases, 0)).toBe(0)
    expect(releasedPctAt(DEFAULT.releases, 479)).toBe(0)
    expect(releasedPctAt(DEFAULT.releases, 480)).toBe(50)
    expect(releasedPctAt(DEFAULT.releases, 13 * 60)).toBe(80)
    expect(releasedPctAt(DEFAULT.releases, 1439)).toBe(100)
    expect(releasedPctAt([{ at: '00:00', share_pct: 70 }, { at: '01:00', share_pct: 70 }], 1439)).toBe(100)
  })

  it('draws steps from 00:00 to 24:00', () => {
    expect(releaseSteps(DEFAULT.releases)).toEqual([
      { minute: 0, pct: 0 },
      { minute: 480, pct: 0 },
      { minute: 480, pct: 50 },
      { minute: 720, pct: 50 },
      { minute: 720, pct: 80 },
      { minute: 1140, pct: 80 },
      { minute: 1140, pct: 100 },
      { minute: 1440, pct: 100 },
    ])
  })

  it('starts high when everything is released at midnight, flat when nothing is', () => {
    expect(releaseSteps([{ at: '00:00', share_pct: 100 }])).toEqual([
      { minute: 0, pct: 100 },
      { minute: 1440, pct: 100 },
    ])
    expect(releaseSteps([])).toEqual([
      { minute: 0, pct: 0 },
      { minute: 1440, pct: 0 },
    ])
  })

  it('charts the rows typed so far, unordered and partly invalid', () => {
    const rows = form([['12:00', '30'], ['8:00', '50'], ['', '10'], ['19:00', '']]).releases
    expect(rowsToReleases(rows)).toEqual([
      { at: '12:00', share_pct: 30 },
      { at: '08:00', share_pct: 50 },
    ])
    expect(releaseSteps(rowsToReleases(rows)).at(-1)).toEqual({ minute: 1440, pct: 80 })
  })
})

describe('release chart option', () => {
  it('draws the cumulative release in percent over the day, with marks and now', () => {
    const releases = [
      { at: '00:00', share_pct: 70 },
      { at: '12:00', share_pct: 30 },
    ]
    const option = releaseChartOption(releases, 13 * 60)
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const series = option.series as any[]
    expect(series[0].data).toEqual([
      [0, 70],
      [720, 70],
      [720, 100],
      [1440, 100],
    ])
    expect(series[0].markLine?.label.formatter).toBe('现在 100%')
    expect(series[1].label.formatter({ dataIndex: 1 })).toBe('12:00 +30%')
    expect(option.xAxis.axisLabel.formatter(540)).toBe('09:00')
    expect(option.tooltip.formatter([{ axisValue: 600 }])).toBe('10:00 累计释放 70%')
    expect((releaseChartOption(releases).series[0] as { markLine?: unknown }).markLine).toBeUndefined()
  })
})
