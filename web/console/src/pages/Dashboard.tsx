// The dashboard: daily active and new users, active groups by stars, the robots' use, and the
// income credited and payouts made over a chosen range (GET /api/console/dashboard), drawn by
// ECharts; today's figures cover part of the day and are marked 今日（截至 HH:mm）.
import { useMemo, useState, type ReactNode } from 'react'
import { Alert, Button, Card, Col, DatePicker, Row, Space, Statistic } from 'antd'
import { getDashboard } from '../api'
import Chart from '../components/Chart'
import { useLoad, type Loaded } from '../components/hooks'
import { LoadState } from '../components/LoadState'
import { pickerToDay, dayToPicker } from '../lib/beijing'
import { formatCount } from '../lib/chartOption'
import {
  activeGroupsOn,
  dayChartOption,
  moneySeries,
  moneyTotals,
  robotUseSeries,
  starsSeries,
  type DaySeries,
} from '../lib/dashboard'
import { chinaToday, lastDays, validateRange, type DayRange } from '../lib/dates'
import { formatFen, formatYuan } from '../lib/money'
import { partialDayLabel } from '../lib/partialDay'

const QUICK = [7, 30, 90]
const DEFAULT_DAYS = 30

const USER_SERIES = [
  { key: 'active_users', name: '日活跃用户', color: '#1677ff' },
  { key: 'new_users', name: '新增用户', color: '#14c9c9' },
] as const

export default function Dashboard() {
  // Until the operator picks a range the server answers its own default (the last 30 days up
  // to its business day), and that day anchors the quick ranges and is today's partial day.
  const [query, setQuery] = useState<DayRange | null>(null)
  const [inputs, setInputs] = useState<DayRange>(() => lastDays(DEFAULT_DAYS, chinaToday()))
  const [anchor, setAnchor] = useState<string | null>(null)
  const [invalid, setInvalid] = useState('')
  const [loadedAt, setLoadedAt] = useState(() => Date.now())
  const { data, error, loading, reload } = useLoad(async () => {
    const answer = await getDashboard(query?.from, query?.to)
    if (!query) {
      setInputs({ from: answer.from, to: answer.to })
      setAnchor(answer.to)
    }
    setLoadedAt(Date.now())
    return answer
  }, [query?.from, query?.to])

  const today = anchor ?? chinaToday()
  const todayLabel = partialDayLabel(loadedAt)
  const apply = (range: DayRange) => {
    setInputs(range)
    const problem = validateRange(range)
    setInvalid(problem)
    if (!problem) setQuery(range)
  }

  const days = useMemo(() => data?.days ?? [], [data])
  const labels = useMemo(() => days.map((d) => d.day), [days])
  const users: DaySeries = useMemo(
    () => ({
      any: days.length > 0,
      series: USER_SERIES.map(({ key, name, color }) => ({ name, color, values: days.map((d) => d[key]) })),
    }),
    [days],
  )
  const stars = useMemo(() => starsSeries(days), [days])
  const robots = useMemo(() => robotUseSeries(days), [days])
  const money = useMemo(() => moneySeries(days), [days])
  const moneyTotal = moneyTotals(days)
  // The last full day (today's figures are partial).
  const lastFull = [...days].reverse().find((d) => d.day !== today)
  const fullDays = days.filter((d) => d.day !== today)
  const totalNew = days.reduce((sum, d) => sum + d.new_users, 0)
  const avgActive = fullDays.length ? fullDays.reduce((sum, d) => sum + d.active_users, 0) / fullDays.length : 0
  const peak = days.reduce((best, d) => Math.max(best, d.active_users), 0)
  const load = { data, error, loading, reload }
  const common = { load, labels, today, todayLabel }

  return (
    <>
      <div className="page-head">
        <div>
          <h1>仪表盘</h1>
          <p className="muted">平台每日运营数据（北京时间）；今日数据截至当前时间，尚不完整</p>
        </div>
        <Space wrap data-testid="range-picker">
          <Space.Compact role="group" aria-label="快速选择">
            {QUICK.map((n) => {
              const range = lastDays(n, today)
              const active = inputs.from === range.from && inputs.to === range.to
              return (
                <Button
                  key={n}
                  type={active ? 'primary' : 'default'}
                  aria-pressed={active}
                  data-testid={`range-${n}`}
                  onClick={() => apply(range)}
                >
                  近 {n} 天
                </Button>
              )
            })}
          </Space.Compact>
          <DatePicker.RangePicker
            id={{ start: 'range-from', end: 'range-to' }}
            aria-label="日期范围"
            allowClear={false}
            format="YYYY-MM-DD"
            placeholder={['开始日期', '结束日期']}
            value={[dayToPicker(inputs.from), dayToPicker(inputs.to)]}
            onChange={(values) => {
              const [from, to] = values ?? [null, null]
              apply({ from: pickerToDay(from), to: pickerToDay(to) })
            }}
          />
        </Space>
      </div>
      {invalid && <Alert type="error" showIcon title={invalid} data-testid="range-error" style={{ marginBottom: 16 }} />}
      <Row gutter={[16, 16]}>
        <Col span={24}>
          <DayChart
            {...common}
            title="活跃与新增用户"
            hint={
              data
                ? `${data.from} 至 ${data.to}；日活跃：每日登录或使用的群主数；新增：每日首次登录的群主数`
                : '日活跃：每日登录或使用的群主数；新增：每日首次登录的群主数'
            }
            testId="dashboard-users-chart"
            figures={users}
            ariaLabel="日活跃用户与新增用户"
            height={280}
          >
            <Row gutter={16} data-testid="dashboard-stats" style={{ marginBottom: 8 }}>
              <Col>
                <Statistic title="日均活跃（不含今日）" value={formatCount(Math.round(avgActive * 10) / 10)} />
              </Col>
              <Col>
                <Statistic title="最高日活" value={formatCount(peak)} />
              </Col>
              <Col>
                <Statistic title="新增用户合计" value={formatCount(totalNew)} />
              </Col>
            </Row>
          </DayChart>
        </Col>
        <Col xs={24} xl={12}>
          <DayChart
            {...common}
            title="活跃群组（按星级）"
            hint={
              data && stars.any && lastFull
                ? `${lastFull.day} 活跃群 ${formatCount(activeGroupsOn(lastFull))} 个`
                : '每日活跃群组的星级分布'
            }
            testId="dashboard-groups-chart"
            figures={stars}
            ariaLabel="每日活跃群组（按星级）"
          />
        </Col>
        <Col xs={24} xl={12}>
          <DayChart
            {...common}
            title="机器人使用"
            hint="空余位置 / 分配 / 展示 / 激活（所有机器人合计）"
            testId="dashboard-robots-chart"
            figures={robots}
            ariaLabel="每日机器人使用"
          />
        </Col>
        <Col span={24}>
          <DayChart
            {...common}
            title="收入与提现"
            hint="每日结算入账的收入（群收益 + 广告收益 + 分成）与提现到账金额，单位元"
            testId="dashboard-money-chart"
            figures={money}
            ariaLabel="每日收入与提现"
            format={formatYuan}
            integer={false}
          >
            <Row gutter={16} data-testid="dashboard-money-stats" style={{ marginBottom: 8 }}>
              <Col>
                <Statistic
                  title="收入合计"
                  valueRender={() => <span data-testid="dashboard-income-total">{formatFen(moneyTotal.income_fen)}</span>}
                />
              </Col>
              <Col>
                <Statistic
                  title="提现合计"
                  valueRender={() => <span data-testid="dashboard-payouts-total">{formatFen(moneyTotal.payouts_fen)}</span>}
                />
              </Col>
            </Row>
          </DayChart>
        </Col>
      </Row>
    </>
  )
}

/**
 * A card of one of the dashboard's per-day figures (an empty state when the range has none),
 * with `children` (its totals) above the chart.
 */
function DayChart({
  title,
  hint,
  testId,
  load,
  labels,
  today,
  todayLabel,
  figures,
  ariaLabel,
  format = formatCount,
  integer = true,
  height = 240,
  children,
}: {
  title: string
  hint: string
  testId: string
  load: Pick<Loaded<unknown>, 'data' | 'error' | 'loading' | 'reload'>
  labels: string[]
  today: string
  todayLabel: string
  figures: DaySeries
  ariaLabel: string
  format?: (value: number) => string
  integer?: boolean
  height?: number
  children?: ReactNode
}) {
  const { data, error, loading, reload } = load
  const option = useMemo(
    () => dayChartOption({ days: labels, series: figures.series, today, todayLabel, format, integer }),
    [labels, figures, today, todayLabel, format, integer],
  )
  const legend = useMemo(() => figures.series.map(({ name, color }) => ({ name, color })), [figures])
  return (
    <Card title={title} extra={<span className="muted small">{hint}</span>} data-testid={testId} size="small">
      {data === undefined && <LoadState error={loading ? undefined : error} onRetry={reload} />}
      {data !== undefined && (
        <div className={loading ? 'is-reloading' : undefined}>
          {figures.any && children}
          <Chart
            option={option}
            empty={!figures.any}
            legend={legend}
            height={height}
            ariaLabel={ariaLabel}
            testId="line-chart"
          />
          {error && <Alert type="error" showIcon title={error.message} />}
        </div>
      )}
    </Card>
  )
}
