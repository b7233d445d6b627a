// A bar chart of days drawn by ECharts, loaded on first use (the first page never pays for it).
import { type ReactNode, useEffect, useRef, useState } from 'react'
import { type BarsInput, barTotals, barsOption } from './lib/chart'

/** Where a day's bar is drawn, in pixels from the chart's top left: its middle, its top, its foot. */
export interface BarPoint {
  x: number
  top: number
  base: number
}

type Chart = ReturnType<typeof import('./echarts').init>

/**
 * The chart of `input`, `height` pixels high, with `label` for screen readers. `data` renders
 * the figures beside it (visually hidden: the chart's words for screen readers and tests),
 * given where each bar was drawn once it was.
 */
export function BarsChart(props: {
  input: BarsInput
  label: string
  testId: string
  height?: number
  data: (points: BarPoint[] | null) => ReactNode
}) {
  const { input, label, testId, height = 180 } = props
  const box = useRef<HTMLDivElement>(null)
  const chart = useRef<Chart | null>(null)
  const [points, setPoints] = useState<BarPoint[] | null>(null)
  const [failed, setFailed] = useState(false)

  useEffect(() => {
    let live = true
    let observer: ResizeObserver | undefined
    import('./echarts').then(
      ({ init }) => {
        if (!live || !box.current) return
        const c = init(box.current, null, { renderer: 'svg' })
        chart.current = c
        const place = () => {
          const totals = barTotals(input)
          const base = c.convertToPixel({ yAxisIndex: 0 }, 0) as number
          setPoints(
            totals.map((t, i) => ({
              x: Math.round(c.convertToPixel({ xAxisIndex: 0 }, i) as number),
              top: Math.round(c.convertToPixel({ yAxisIndex: 0 }, t) as number),
              base: Math.round(base),
            })),
          )
        }
        c.setOption(barsOption(input) as never)
        place()
        observer = new ResizeObserver(() => {
          c.resize()
          place()
        })
        observer.observe(box.current)
      },
      () => live && setFailed(true),
    )
    return () => {
      live = false
      observer?.disconnect()
      chart.current?.dispose()
      chart.current = null
    }
  }, [input])

  return (
    <figure className="chart-figure" data-testid={testId} data-ready={points ? 'true' : undefined}>
      <div ref={box} className="chart" style={{ height }} role="img" aria-label={label} />
      {failed && <p className="chart-failed">图表加载失败，请刷新页面重试</p>}
      <figcaption className="sr-only">{props.data(points)}</figcaption>
    </figure>
  )
}
