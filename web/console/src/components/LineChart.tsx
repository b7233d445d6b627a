// A small line chart in SVG: one value axis from 0, category labels below, a legend that
// toggles series, and a tooltip for the point nearest the pointer. No chart library.
import { useEffect, useRef, useState, type PointerEvent } from 'react'
import { formatCount, labelIndexes, linePath, linearScale, nearestIndex, niceTicks, pointX } from '../lib/chart'

export interface Series {
  name: string
  color: string
  values: number[]
}

interface Props {
  /** One label per point, oldest first (e.g. days). */
  labels: string[]
  series: Series[]
  height?: number
  /** The label under the axis (default: as given). */
  formatLabel?: (label: string) => string
  /** The tooltip's title (default: the label). */
  formatTitle?: (label: string) => string
  /** A value in the tooltip (default: a count, "1,234"; the axis always shows counts). */
  formatValue?: (value: number) => string
  emptyText?: string
  ariaLabel?: string
}

const MARGIN = { top: 12, right: 16, bottom: 28, left: 48 }
/** Room one axis label needs, in px. */
const LABEL_ROOM = 56

export default function LineChart({
  labels,
  series,
  height = 260,
  formatLabel = (l) => l,
  formatTitle = (l) => l,
  formatValue = formatCount,
  emptyText = '暂无数据',
  ariaLabel = '折线图',
}: Props) {
  const box = useRef<HTMLDivElement>(null)
  const [width, setWidth] = useState(640)
  const [hidden, setHidden] = useState<Set<string>>(() => new Set())
  const [hover, setHover] = useState(-1)

  useEffect(() => {
    const el = box.current
    if (!el) return
    const measure = () => setWidth(Math.max(240, Math.floor(el.clientWidth)))
    measure()
    if (typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver(measure)
    observer.observe(el)
    return () => observer.disconnect()
  }, [])

  const n = labels.length
  const shown = series.filter((s) => !hidden.has(s.name))
  const max = Math.max(0, ...shown.flatMap((s) => s.values.slice(0, n)))
  const ticks = niceTicks(max, 5)
  const left = MARGIN.left
  const right = width - MARGIN.right
  const top = MARGIN.top
  const bottom = height - MARGIN.bottom
  const y = linearScale(0, ticks[ticks.length - 1], bottom, top)
  const x = (i: number) => pointX(i, n, left, right)
  const shownLabels = labelIndexes(n, Math.floor((right - left) / LABEL_ROOM))

  const toggle = (name: string) =>
    setHidden((prev) => {
      const next = new Set(prev)
      if (next.has(name)) next.delete(name)
      else next.add(name)
      return next
    })

  const onMove = (e: PointerEvent<SVGRectElement>) => {
    const rect = e.currentTarget.ownerSVGElement?.getBoundingClientRect()
    if (!rect || rect.width === 0) return
    const px = ((e.clientX - rect.left) * width) / rect.width
    setHover(nearestIndex(px, n, left, right))
  }

  const legend = (
    <ul className="chart-legend" data-testid="chart-legend">
      {series.map((s) => (
        <li key={s.name}>
          <button
            type="button"
            className={hidden.has(s.name) ? 'legend-item off' : 'legend-item'}
            aria-pressed={!hidden.has(s.name)}
            data-testid="chart-legend-item"
            onClick={() => toggle(s.name)}
          >
            <span className="legend-swatch" style={{ background: s.color }} />
            {s.name}
          </button>
        </li>
      ))}
    </ul>
  )

  const tipLeft = hover >= 0 && hover < n ? x(hover) : 0
  return (
    <div className="line-chart" ref={box}>
      {legend}
      {n === 0 ? (
        <div className="chart-empty" data-testid="chart-empty">
          {emptyText}
        </div>
      ) : (
      <div className="chart-canvas">
        <svg
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          role="img"
          aria-label={ariaLabel}
          data-testid="line-chart"
        >
          <g className="chart-grid-lines">
            {ticks.map((t) => (
              <g key={t}>
                <line x1={left} x2={right} y1={y(t)} y2={y(t)} />
                <text x={left - 8} y={y(t)} dy="0.32em" textAnchor="end">
                  {formatCount(t)}
                </text>
              </g>
            ))}
          </g>
          <g className="chart-x-axis">
            <line x1={left} x2={right} y1={bottom} y2={bottom} />
            {shownLabels.map((i) => (
              <text key={i} x={x(i)} y={bottom + 18} textAnchor={n === 1 ? 'middle' : i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle'}>
                {formatLabel(labels[i])}
              </text>
            ))}
          </g>
          {hover >= 0 && hover < n && <line className="chart-guide" x1={tipLeft} x2={tipLeft} y1={top} y2={bottom} />}
          {shown.map((s) => (
            <g key={s.name} data-testid="chart-series" data-series={s.name}>
              <path
                d={linePath(labels.map((_, i) => [x(i), y(s.values[i] ?? 0)]))}
                fill="none"
                stroke={s.color}
                strokeWidth={2}
                strokeLinejoin="round"
                strokeLinecap="round"
              />
              {(n <= 45 || hover >= 0) &&
                labels.map((_, i) =>
                  n <= 45 || i === hover ? (
                    <circle
                      key={i}
                      cx={x(i)}
                      cy={y(s.values[i] ?? 0)}
                      r={i === hover ? 4.5 : 2.5}
                      fill={i === hover ? s.color : '#fff'}
                      stroke={s.color}
                      strokeWidth={1.5}
                    />
                  ) : null,
                )}
            </g>
          ))}
          <rect
            className="chart-hit"
            x={left}
            y={top}
            width={Math.max(0, right - left)}
            height={Math.max(0, bottom - top)}
            fill="transparent"
            onPointerMove={onMove}
            onPointerLeave={() => setHover(-1)}
          />
        </svg>
        {hover >= 0 && hover < n && (
          <div
            className="chart-tooltip"
            data-testid="chart-tooltip"
            style={{
              top: top,
              left: tipLeft,
              transform: tipLeft > width / 2 ? 'translateX(calc(-100% - 12px))' : 'translateX(12px)',
            }}
          >
            <strong>{formatTitle(labels[hover])}</strong>
            {series.map((s) => (
              <div key={s.name} className={hidden.has(s.name) ? 'tip-row off' : 'tip-row'}>
                <span className="legend-swatch" style={{ background: s.color }} />
                <span>{s.name}</span>
                <b>{formatValue(s.values[hover] ?? 0)}</b>
              </div>
            ))}
          </div>
        )}
      </div>
      )}
    </div>
  )
}
