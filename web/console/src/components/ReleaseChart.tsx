// The cumulative release across a day as a step line (SVG, no chart library): the share of each
// robot's free places released by each time of day, with a marker at "now".
import type { Release } from '../api'
import { DAY_MINUTES, formatClock, parseClock, releaseSteps, releasedPctAt } from '../lib/distribution'

const W = 720
const H = 200
const M = { top: 16, right: 20, bottom: 28, left: 44 }
const HOURS = [0, 3, 6, 9, 12, 15, 18, 21, 24]
const PCTS = [0, 25, 50, 75, 100]

export default function ReleaseChart({ releases, nowMinute }: { releases: Release[]; nowMinute?: number }) {
  const round = (v: number) => Math.round(v * 10) / 10
  const x = (minute: number) => round(M.left + (minute / DAY_MINUTES) * (W - M.left - M.right))
  const y = (pct: number) => round(H - M.bottom - (Math.min(100, Math.max(0, pct)) / 100) * (H - M.top - M.bottom))
  const steps = releaseSteps(releases)
  const line = steps.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.minute)},${y(p.pct)}`).join('')
  const area = `${line}L${x(DAY_MINUTES)},${y(0)}L${x(0)},${y(0)}Z`
  const marks = releases
    .map((r) => ({ minute: parseClock(r.at), share: r.share_pct }))
    .filter((r) => !Number.isNaN(r.minute) && r.share > 0)
  const now = nowMinute !== undefined && nowMinute >= 0 && nowMinute < DAY_MINUTES ? nowMinute : undefined
  const nowPct = now === undefined ? 0 : releasedPctAt(releases, now)
  const total = steps[steps.length - 1]?.pct ?? 0

  return (
    <svg
      className="release-chart"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`全天累计释放 ${total}%`}
      data-testid="release-chart"
    >
      <g className="chart-grid-lines">
        {PCTS.map((p) => (
          <g key={p}>
            <line x1={M.left} x2={W - M.right} y1={y(p)} y2={y(p)} />
            <text x={M.left - 8} y={y(p)} dy="0.32em" textAnchor="end">
              {p}%
            </text>
          </g>
        ))}
      </g>
      <g className="chart-x-axis">
        {HOURS.map((h) => (
          <text key={h} x={x(h * 60)} y={H - M.bottom + 18} textAnchor={h === 0 ? 'start' : h === 24 ? 'end' : 'middle'}>
            {formatClock(h * 60)}
          </text>
        ))}
      </g>
      <path d={area} className="release-area" />
      <path d={line} className="release-line" fill="none" />
      {marks.map((m) => (
        <g key={m.minute} className="release-mark" data-testid="release-mark">
          <circle cx={x(m.minute)} cy={y(releasedPctAt(releases, m.minute))} r={3.5} />
          <text x={x(m.minute)} y={y(releasedPctAt(releases, m.minute)) - 8} textAnchor="middle">
            {formatClock(m.minute)} +{m.share}%
          </text>
        </g>
      ))}
      {now !== undefined && (
        <g className="release-now" data-testid="release-now">
          <line x1={x(now)} x2={x(now)} y1={M.top} y2={H - M.bottom} />
          <text x={x(now) + (now > DAY_MINUTES * 0.8 ? -6 : 6)} y={M.top + 10} textAnchor={now > DAY_MINUTES * 0.8 ? 'end' : 'start'}>
            现在 {nowPct}%
          </text>
        </g>
      )}
    </svg>
  )
}
