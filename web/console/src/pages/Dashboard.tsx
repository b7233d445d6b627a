// The dashboard: daily active and new users over a chosen range (GET /api/console/dashboard),
// and the frames of the charts later issues fill.
import { useState } from 'react'
import { getDashboard } from '../api'
import LineChart from '../components/LineChart'
import { useLoad } from '../components/hooks'
import { LoadError, Loading } from '../components/ui'
import { formatCount } from '../lib/chart'
import { chinaToday, lastDays, shortDay, validateRange, type DayRange } from '../lib/dates'

const QUICK = [7, 30, 90]
const DEFAULT_DAYS = 30

const UPCOMING = [
  { title: '活跃群组（按星级）', hint: '每日活跃群组的星级分布' },
  { title: '机器人使用', hint: '分配 / 展示 / 激活 / 空余位置' },
  { title: '收入与提现', hint: '每日入账收入与提现打款金额', wide: true },
]

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
  const totalNew = days.reduce((sum, d) => sum + d.new_users, 0)
  const avgActive = days.length ? days.reduce((sum, d) => sum + d.active_users, 0) / days.length : 0
  const peak = days.reduce((best, d) => Math.max(best, d.active_users), 0)

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
            <div className="stats" data-testid="dashboard-stats">
              <div>
                <span className="muted">日均活跃</span>
                <strong>{formatCount(Math.round(avgActive * 10) / 10)}</strong>
              </div>
              <div>
                <span className="muted">最高日活</span>
                <strong>{formatCount(peak)}</strong>
              </div>
              <div>
                <span className="muted">新增用户合计</span>
                <strong>{formatCount(totalNew)}</strong>
              </div>
            </div>
          )}
          {!data && loading && <Loading />}
          {!data && error && <LoadError error={error} onRetry={reload} />}
          {data && (
            <div className={loading ? 'is-reloading' : undefined}>
              <LineChart
                labels={days.map((d) => d.day)}
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
        {UPCOMING.map(({ title, hint, wide }) => (
          <section key={title} className={wide ? 'chart-card wide' : 'chart-card'}>
            <header>
              <h2>{title}</h2>
              <span className="muted">{hint}</span>
            </header>
            <div className="chart-empty">暂无数据</div>
          </section>
        ))}
      </div>
    </>
  )
}
