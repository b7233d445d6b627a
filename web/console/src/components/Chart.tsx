// One chart drawn by ECharts (loaded lazily, on first use): give it an ECharts option. Tooltips
// show on hover (and tap); the chart follows its box's size; with no data at all it shows an
// antd Empty, and with only zeros an axis 0–1 with whole ticks (never 0–0.01).
import { useEffect, useRef, useState } from 'react'
import { Empty, Spin } from 'antd'
import type { EChartsCoreOption, EChartsType } from 'echarts/core'
import { hasData, sensibleAxes } from '../lib/chartOption'

type Setup = typeof import('./echartsSetup')
let setup: Promise<Setup> | null = null
const loadECharts = (): Promise<Setup> => (setup ??= import('./echartsSetup'))

export interface ChartProps {
  option: EChartsCoreOption
  /** Height in px (the width is the box's). */
  height?: number
  /** Whether there is nothing to draw (default: no series has a value). */
  empty?: boolean
  emptyText?: string
  ariaLabel: string
  testId?: string
  className?: string
  /**
   * The series to list above the chart (a name may cover several series, e.g. a day series and
   * its partial today): clicking one hides or shows it.
   */
  legend?: Array<{ name: string; color: string }>
}

export default function Chart({
  option,
  height = 260,
  empty,
  emptyText = '暂无数据',
  ariaLabel,
  testId,
  className,
  legend,
}: ChartProps) {
  const box = useRef<HTMLDivElement>(null)
  const chart = useRef<EChartsType | null>(null)
  const [ready, setReady] = useState(false)
  const [failed, setFailed] = useState(false)
  const [hidden, setHidden] = useState<Set<string>>(() => new Set())
  const nothing = empty ?? !hasData(option)

  // Create the chart once its code is here, dispose of it when the box goes.
  useEffect(() => {
    if (nothing) return
    let alive = true
    let observer: ResizeObserver | undefined
    loadECharts().then(
      ({ init }) => {
        const el = box.current
        if (!alive || !el) return
        const instance = init(el, undefined, { renderer: 'canvas' })
        chart.current = instance
        if (typeof ResizeObserver !== 'undefined') {
          observer = new ResizeObserver(() => instance.resize())
          observer.observe(el)
        }
        setReady(true)
      },
      () => alive && setFailed(true),
    )
    return () => {
      alive = false
      observer?.disconnect()
      chart.current?.dispose()
      chart.current = null
      setReady(false)
    }
  }, [nothing])

  useEffect(() => {
    if (!ready || !chart.current) return
    chart.current.setOption(
      sensibleAxes({
        animationDuration: 300,
        tooltip: { trigger: 'axis', confine: true, className: 'chart-tooltip' },
        ...option,
        ...(legend
          ? { legend: { show: false, selected: Object.fromEntries(legend.map((l) => [l.name, !hidden.has(l.name)])) } }
          : {}),
      }),
      { notMerge: true },
    )
  }, [ready, option, legend, hidden])

  const toggle = (name: string) =>
    setHidden((prev) => {
      const next = new Set(prev)
      if (!next.delete(name)) next.add(name)
      return next
    })

  if (nothing) {
    return (
      <div className={className} data-testid={testId && `${testId}-empty`} style={{ padding: '24px 0' }}>
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={emptyText} />
      </div>
    )
  }
  return (
    <div className={className}>
      {legend && (
        <div className="chart-legend" role="group" aria-label="图例（点击隐藏或显示）">
          {legend.map((l) => (
            <button
              key={l.name}
              type="button"
              className={hidden.has(l.name) ? 'chart-legend-item off' : 'chart-legend-item'}
              aria-pressed={!hidden.has(l.name)}
              data-testid="chart-legend-item"
              onClick={() => toggle(l.name)}
            >
              <i style={{ background: l.color }} aria-hidden="true" />
              {l.name}
            </button>
          ))}
        </div>
      )}
      <div style={{ position: 'relative', width: '100%', height }}>
      <div ref={box} role="img" aria-label={ariaLabel} data-testid={testId} style={{ width: '100%', height }} />
      {!ready && !failed && (
        <div style={{ position: 'absolute', inset: 0, display: 'grid', placeItems: 'center' }}>
          <Spin />
        </div>
      )}
      {failed && (
        <div style={{ position: 'absolute', inset: 0, display: 'grid', placeItems: 'center' }} role="alert">
          图表加载失败，请刷新页面重试
        </div>
      )}
      </div>
    </div>
  )
}
