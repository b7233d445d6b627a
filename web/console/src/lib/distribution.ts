// The distribution strategy (分配策略): at which times of day which share of each robot's free
// places is released, robots per request and displays per released place.
import type { Distribution, Release } from '../api'

export const MIN_AMOUNT = 1
export const MAX_AMOUNT = 5
export const MIN_DISPLAY_RATE = 1
export const MAX_DISPLAY_RATE = 20
export const MAX_RELEASES = 24
export const DAY_MINUTES = 24 * 60

/** A release as the form holds it. */
export interface ReleaseRow {
  at: string
  share: string
}

export interface DistributionForm {
  releases: ReleaseRow[]
  amount: string
  display_rate: string
}

export type DistributionBody = Omit<Distribution, 'released_pct_now'>

const CLOCK_RE = /^(\d{1,2}):(\d{2})$/

/** Minutes since midnight of "HH:MM" (or "H:MM"), or NaN when it is no time of day. */
export function parseClock(at: string): number {
  const m = CLOCK_RE.exec(at.trim())
  if (!m) return NaN
  const h = Number(m[1])
  const min = Number(m[2])
  return h < 24 && min < 60 ? h * 60 + min : NaN
}

/** Minutes since midnight as "HH:MM" ("24:00" for the end of the day). */
export function formatClock(minutes: number): string {
  const m = Math.max(0, Math.min(DAY_MINUTES, Math.round(minutes)))
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
}

export function distributionToForm(d: Distribution): DistributionForm {
  return {
    releases: d.releases.map((r) => ({ at: r.at, share: String(r.share_pct) })),
    amount: String(d.amount),
    display_rate: String(d.display_rate),
  }
}

const wholeIn = (text: string, min: number, max: number): number | null => {
  const t = text.trim()
  if (!/^\d+$/.test(t)) return null
  const n = Number(t)
  return n >= min && n <= max ? n : null
}

/** The sum of the rows' shares that are whole numbers (others count 0), for the live total. */
export function shareTotal(rows: ReleaseRow[]): number {
  return rows.reduce((sum, r) => sum + (/^\d+$/.test(r.share.trim()) ? Number(r.share.trim()) : 0), 0)
}

/**
 * The body a form describes — releases sorted by time, times as "HH:MM" — or the message
 * naming the first thing wrong: each time a time of day, no time twice, each share a whole
 * 1–100 %, the shares together at most 100 %, the amount 1–5 and the display rate 1–20.
 */
export function formToDistribution(form: DistributionForm): { body: DistributionBody } | { error: string } {
  if (form.releases.length === 0) return { error: '请至少添加一个释放时间' }
  if (form.releases.length > MAX_RELEASES) return { error: `释放时间最多 ${MAX_RELEASES} 个` }
  const releases: Array<Release & { minute: number }> = []
  const seen = new Set<number>()
  for (const [i, row] of form.releases.entries()) {
    const minute = parseClock(row.at)
    if (Number.isNaN(minute)) return { error: `第 ${i + 1} 行：请填写时间（HH:MM）` }
    if (seen.has(minute)) return { error: `释放时间 ${formatClock(minute)} 重复` }
    seen.add(minute)
    const share = wholeIn(row.share, 1, 100)
    if (share === null) return { error: `第 ${i + 1} 行：释放比例须为 1–100 的整数` }
    releases.push({ at: formatClock(minute), share_pct: share, minute })
  }
  const total = releases.reduce((sum, r) => sum + r.share_pct, 0)
  if (total > 100) return { error: `释放比例合计 ${total}%，不能超过 100%` }
  const amount = wholeIn(form.amount, MIN_AMOUNT, MAX_AMOUNT)
  if (amount === null) return { error: `每次分配数量须为 ${MIN_AMOUNT}–${MAX_AMOUNT} 的整数` }
  const displayRate = wholeIn(form.display_rate, MIN_DISPLAY_RATE, MAX_DISPLAY_RATE)
  if (displayRate === null) return { error: `展示倍率须为 ${MIN_DISPLAY_RATE}–${MAX_DISPLAY_RATE} 的整数` }
  releases.sort((a, b) => a.minute - b.minute)
  return {
    body: {
      releases: releases.map(({ at, share_pct }) => ({ at, share_pct })),
      amount,
      display_rate: displayRate,
    },
  }
}

/** The share released by `minute` (inclusive) of the day under `releases`, capped at 100. */
export function releasedPctAt(releases: Release[], minute: number): number {
  const sum = releases.reduce((total, r) => {
    const at = parseClock(r.at)
    return !Number.isNaN(at) && at <= minute ? total + (Number(r.share_pct) || 0) : total
  }, 0)
  return Math.min(100, sum)
}

export interface StepPoint {
  minute: number
  pct: number
}

/**
 * The cumulative release across the day as the corners of a step line from 00:00 to 24:00:
 * flat between release times, rising at each. Releases without a valid time are left out.
 */
export function releaseSteps(releases: Release[]): StepPoint[] {
  const byMinute = new Map<number, number>()
  for (const r of releases) {
    const at = parseClock(r.at)
    const share = Number(r.share_pct)
    if (Number.isNaN(at) || !(share > 0)) continue
    byMinute.set(at, (byMinute.get(at) ?? 0) + share)
  }
  const points: StepPoint[] = []
  let pct = 0
  const times = [...byMinute.keys()].sort((a, b) => a - b)
  if (times[0] !== 0) points.push({ minute: 0, pct: 0 })
  for (const minute of times) {
    if (minute !== 0) points.push({ minute, pct })
    pct = Math.min(100, pct + (byMinute.get(minute) ?? 0))
    points.push({ minute, pct })
  }
  points.push({ minute: DAY_MINUTES, pct })
  return points
}

/** Rows of a form as releases for the chart (rows not yet valid are left out). */
export function rowsToReleases(rows: ReleaseRow[]): Release[] {
  const out: Release[] = []
  for (const row of rows) {
    const minute = parseClock(row.at)
    const share = Number(row.share.trim())
    if (Number.isNaN(minute) || !/^\d+$/.test(row.share.trim())) continue
    out.push({ at: formatClock(minute), share_pct: share })
  }
  return out
}

/** A suggested time for a new row: an hour after the latest valid one (or 08:00), kept in the day. */
export function nextReleaseTime(rows: ReleaseRow[]): string {
  const minutes = rows.map((r) => parseClock(r.at)).filter((m) => !Number.isNaN(m))
  if (minutes.length === 0) return '08:00'
  const taken = new Set(minutes)
  let m = Math.min(Math.max(...minutes) + 60, DAY_MINUTES - 1)
  while (taken.has(m) && m > 0) m -= 1
  return formatClock(m)
}

/** Whether two forms hold the same values (rows in the same order). */
export function sameForm(a: DistributionForm, b: DistributionForm): boolean {
  return (
    a.amount === b.amount &&
    a.display_rate === b.display_rate &&
    a.releases.length === b.releases.length &&
    a.releases.every((r, i) => r.at === b.releases[i].at && r.share === b.releases[i].share)
  )
}

/**
 * The ECharts option of the cumulative release across the day: a step line from 00:00 to 24:00
 * in percent, each release marked "09:00 +30%", and "现在 N%" at `nowMinute` (China time).
 */
export function releaseChartOption(releases: Release[], nowMinute?: number) {
  const steps = releaseSteps(releases)
  const marks = releases
    .map((r) => ({ minute: parseClock(r.at), share: Number(r.share_pct) }))
    .filter((r) => !Number.isNaN(r.minute) && r.share > 0)
  const now = nowMinute !== undefined && nowMinute >= 0 && nowMinute < DAY_MINUTES ? nowMinute : undefined
  return {
    grid: { top: 28, right: 24, bottom: 8, left: 8, containLabel: true },
    xAxis: {
      type: 'value',
      min: 0,
      max: DAY_MINUTES,
      interval: 180,
      axisLabel: { formatter: (m: number) => formatClock(m) },
      splitLine: { show: false },
    },
    yAxis: { type: 'value', min: 0, max: 100, interval: 25, axisLabel: { formatter: '{value}%' } },
    tooltip: {
      trigger: 'axis',
      confine: true,
      className: 'chart-tooltip',
      axisPointer: { type: 'line' },
      formatter: (items: Array<{ axisValue?: number }> | { axisValue?: number }) => {
        const first = Array.isArray(items) ? items[0] : items
        const minute = Math.max(0, Math.min(DAY_MINUTES, Math.round(Number(first?.axisValue ?? 0))))
        return `${formatClock(minute)} 累计释放 ${releasedPctAt(releases, minute)}%`
      },
    },
    series: [
      {
        type: 'line',
        name: '累计释放',
        data: steps.map((p) => [p.minute, p.pct]),
        showSymbol: false,
        color: '#1677ff',
        areaStyle: { opacity: 0.12 },
        ...(now !== undefined
          ? {
              markLine: {
                silent: true,
                symbol: 'none',
                lineStyle: { color: '#ff7d00', type: 'dashed' },
                label: { formatter: `现在 ${releasedPctAt(releases, now)}%`, color: '#ff7d00' },
                data: [{ xAxis: now }],
              },
            }
          : {}),
      },
      {
        type: 'line',
        name: '释放时间',
        data: marks.map((m) => [m.minute, releasedPctAt(releases, m.minute)]),
        lineStyle: { width: 0 },
        symbolSize: 7,
        color: '#1677ff',
        label: {
          show: true,
          position: 'top',
          formatter: (p: { dataIndex: number }) => `${formatClock(marks[p.dataIndex].minute)} +${marks[p.dataIndex].share}%`,
        },
        tooltip: { show: false },
      },
    ],
  }
}
