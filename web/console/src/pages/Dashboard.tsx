// The dashboard: daily active and new users, active groups by stars, the robots' use, and the
// income credited and payouts made over a chosen range (GET /api/console/dashboard).
import { useState, type ReactNode } from 'react'
import { getDashboard } from '../api'
import LineChart, { type Series } from '../components/LineChart'
import { useLoad, type Loaded } from '../components/hooks'
import { LoadError, Loading, Stats } from '../components/ui'
import { formatCount } from '../lib/chart'
import { activeGroupsOn, moneySeries, moneyTotals, robotUseSeries, starsSeries, type DaySeries } from '../lib/dashboard'
import { chinaToday, lastDays, shortDay, validateRange, type DayRange } from '../lib/dates'
import { formatFen, formatYuan } from '../lib/money'

const QUICK = [7, 30, 90]
const DEFAULT_DAYS = 30

const SERIES = [
  { key: 'active_users', name: '日活跃用户', color: '#1677ff' },
  { key: 'new_users', name: '新增用户', color: '#14c9c9' },
] as const

export default function Dashboard() {
  // Until the operator picks a range the server answers its own default (the last 30 days up
  // to its business day), and that day anchors the quick ranges.
  const [query, setQuery] = useState<DayRange | null>(null)
  const [inputs, setInputs] = useState<DayRange>(() => lastDays(DEFAULT_DAYS, chinaToday()))
  const [anchor, setAnchor] = useState<string | null>(null)
  const [invalid, setInvalid] = useState('')
  const { data, error, loading, reload } = useLoad(async () => {
    const answer = await getDashboard(query?.from, query?.to)
    if (!query) {
      setInputs({ from: answer.from, to: answer.to })
      setAnchor(answer.to)
    }
    return answer
  }, [query?.from, query?.to])

  const today = anchor ?? chinaToday()
  const apply = (range: DayRange) => {
    setInputs(range)
    const problem = validateRange(range)
    setInvalid(problem)
    if (!problem) setQuery(range)
  }

  const days = data?.days ?? []
  const stars = starsSeries(days)
  const robots = robotUseSeries(days)
  const money = moneySeries(days)
  const moneyTotal = moneyTotals(days)
  const lastDay = days[days.length - 1]
  const totalNew = days.reduce((sum, d) => sum + d.new_users, 0)
  const avgActive = days.length ? days.reduce((sum, d) => sum + d.active_users, 0) / days.length : 0
  const peak = days.reduce((best, d) => Math.max(best, d.active_users), 0)
  // What every per-day chart shows its figures over.
  const range = { load: { data, error, loading, reload }, labels: days.map((d) => d.day) }

  return (
    <>
      <div className="page-head">
        <div>
          <h1>仪表盘</h1>
          <p className="muted">平台每日运营数据</p>
        </div>
        <div className="page-actions range-picker" data-testid="range-picker">
          <div className="segmented" role="group" aria-label="快速选择">
            {QUICK.map((n) => {
              const range = lastDays(n, today)
              const active = inputs.from === range.from && inputs.to === range.to
              return (
                <button
                  key={n}
                  className={active ? 'seg active' : 'seg'}
                  aria-pressed={active}
                  data-testid={`range-${n}`}
                  onClick={() => apply(range)}
                >
                  {n} 天
                </button>
              )
            })}
          </div>
          <input
            type="date"
            aria-label="开始日期"
            data-testid="range-from"
            value={inputs.from}
            max={inputs.to || undefined}
            onChange={(e) => apply({ ...inputs, from: e.target.value })}
          />
          <span className="muted">至</span>
          <input
            type="date"
            aria-label="结束日期"
            data-testid="range-to"
            value={inputs.to}
            min={inputs.from || undefined}
            onChange={(e) => apply({ ...inputs, to: e.target.value })}
          />
        </div>
      </div>
      {invalid && (
        <div className="alert" role="alert" data-testid="range-error">
          {invalid}
        </div>
      )}
      <div className="chart-grid">
        <section className="chart-card wide" data-testid="dashboard-users-chart">
          <header>
            <h2>活跃与新增用户</h2>
            <span className="muted">
              {data ? `${data.from} 至 ${data.to}` : '日活跃：每日登录或使用的群主数；新增：每日首次登录的群主数'}
            </span>
          </header>
          {data && (
            <Stats
              testId="dashboard-stats"
              items={[
                { label: '日均活跃', value: formatCount(Math.round(avgActive * 10) / 10) },
                { label: '最高日活', value: formatCount(peak) },
                { label: '新增用户合计', value: formatCount(totalNew) },
              ]}
            />
          )}
          {!data && loading && <Loading />}
          {!data && error && <LoadError error={error} onRetry={reload} />}
          {data && (
            <div className={loading ? 'is-reloading' : undefined}>
              <LineChart
                labels={range.labels}
                series={SERIES.map(({ key, name, color }) => ({ name, color, values: days.map((d) => d[key]) }))}
                formatLabel={shortDay}
                ariaLabel="日活跃用户与新增用户"
              />
            </div>
          )}
          {data && error && (
            <p className="text-danger small" role="alert">
              {error.message}
            </p>
          )}
        </section>
        <DayChart
          {...range}
          title="活跃群组（按星级）"
          hint={
            data && stars.any
              ? `${lastDay?.day ?? ''} 活跃群 ${formatCount(activeGroupsOn(lastDay))} 个`
              : '每日活跃群组的星级分布'
          }
          testId="dashboard-groups-chart"
          figures={stars}
          ariaLabel="每日活跃群组（按星级）"
        />
        <DayChart
          {...range}
          title="机器人使用"
          hint="空余位置 / 分配 / 展示 / 激活（所有机器人合计）"
          testId="dashboard-robots-chart"
          figures={robots}
          ariaLabel="每日机器人使用"
        />
        <DayChart
          {...range}
          title="收入与提现"
          hint="每日结算入账的收入（群收益 + 广告收益 + 分成）与提现到账金额，单位元"
          testId="dashboard-money-chart"
          figures={money}
          ariaLabel="每日收入与提现"
          formatValue={formatYuan}
          wide
        >
          <Stats
            testId="dashboard-money-stats"
            items={[
              { label: '收入合计', value: formatFen(moneyTotal.income_fen), testId: 'dashboard-income-total' },
              { label: '提现合计', value: formatFen(moneyTotal.payouts_fen), testId: 'dashboard-payouts-total' },
            ]}
          />
        </DayChart>
      </div>
    </>
  )
}

/**
 * A chart card of one of the dashboard's per-day figures ("暂无数据" when the range has none),
 * with `children` (its totals) above the chart.
 */
function DayChart({
  title,
  hint,
  testId,
  load,
  labels,
  figures,
  ariaLabel,
  formatValue,
  wide = false,
  children,
}: {
  title: string
  hint: string
  testId: string
  load: Pick<Loaded<unknown>, 'data' | 'error' | 'loading' | 'reload'>
  labels: string[]
  figures: DaySeries
  ariaLabel: string
  formatValue?: (value: number) => string
  wide?: boolean
  children?: ReactNode
}) {
  const { data, error, loading, reload } = load
  const series: Series[] = figures.series
  return (
    <section className={wide ? 'chart-card wide' : 'chart-card'} data-testid={testId}>
      <header>
        <h2>{title}</h2>
        <span className="muted">{hint}</span>
      </header>
      {!data && loading && <Loading />}
      {!data && error && <LoadError error={error} onRetry={reload} />}
      {data !== undefined &&
        (figures.any ? (
          <div className={loading ? 'is-reloading' : undefined}>
            {children}
            <LineChart
              labels={labels}
              series={series}
              formatLabel={shortDay}
              formatValue={formatValue}
              height={220}
              ariaLabel={ariaLabel}
            />
          </div>
        ) : (
          <div className="chart-empty" data-testid={`${testId}-empty`}>
            暂无数据
          </div>
        ))}
    </section>
  )
}
