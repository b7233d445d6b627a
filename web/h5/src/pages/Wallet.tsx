import { useMemo } from 'react'
import { Link } from 'react-router-dom'
import { type Account, type DailyIncome, type Flow, getAccount, getFlows } from '../api'
import { stackedBarChart } from '../lib/chart'
import { formatFen, formatSignedFen } from '../lib/format'
import { useLoad, usePages } from '../hooks'
import { INCOME_SERIES, flowSource, flowTitle, flowWhen, incomeStacks, incomeTotals, scaleYuan } from '../lib/wallet'
import { BarChartFrame, BarLabel, LoadMore, PageHeader, Stat } from '../widgets'
import { LoadError, Loading } from './states'

/** /wallet: the balances, the last 15 days of income, and the flows (流水). */
export default function Wallet() {
  const { state, reload } = useLoad(getAccount)

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  const account = state.data

  return (
    <div className="page wallet-page">
      <PageHeader title="我的钱包" />
      <BalanceCard account={account} />
      <section className="card" data-testid="income-history">
        <h2 className="card-title">
          近 {account.daily.length} 天收益（元）
          <span className="card-title-extra">次日结算后入账</span>
        </h2>
        <IncomeChart daily={account.daily} />
      </section>
      <FlowList />
    </div>
  )
}

function BalanceCard({ account }: { account: Account }) {
  return (
    <section className="card balance-card" data-testid="wallet-balance">
      <div className="balance-label">可提现余额</div>
      <div className="balance-value" data-testid="available" data-fen={account.available_fen}>
        {formatFen(account.available_fen)}
      </div>
      <div className="balance-actions">
        <Link className="btn btn-primary" to="/withdraw" data-testid="withdraw-entry">
          提现
        </Link>
        <Link className="btn btn-outline" to="/withdrawals" data-testid="withdrawals-entry">
          提现记录
        </Link>
      </div>
      <div className="stats">
        <Stat value={formatFen(account.held_fen)} label="冻结中" testId="held" money />
        <Stat value={formatFen(account.today_income_fen)} label="今日预估收益" testId="today-income" money />
      </div>
      <div className="stats">
        <Stat value={formatFen(account.total_income_fen)} label="累计收益" testId="total-income" money />
        <Stat value={formatFen(account.paid_fen)} label="已提现" testId="paid" money />
      </div>
      <p className="balance-note" data-testid="today-income-note">
        今日预估收益按今天目前的群会话和广告点击估算，尚未结算，次日结算后计入可提现余额。冻结中为处理中的提现金额。
      </p>
    </section>
  )
}

const CHART = { width: 343, height: 160, left: 34, right: 14, maxLabels: 5 }

/** Income per day, oldest on the left, each bar stacked by where the money came from. */
function IncomeChart({ daily }: { daily: DailyIncome[] }) {
  const chart = useMemo(() => stackedBarChart(incomeStacks(daily), CHART), [daily])
  const totals = useMemo(() => incomeTotals(daily), [daily])
  return (
    <>
      <BarChartFrame
        chart={chart}
        testId="income-chart"
        label={`近 ${daily.length} 天共收益 ${formatFen(totals.total)}`}
        scale={scaleYuan}
      >
        {chart.bars.map((b, i) => (
          <g key={i} data-testid="income-bar" data-day={daily[i]?.day} data-fen={b.value}>
            <title>{`${b.label}：${formatFen(b.value)}`}</title>
            {b.segments.map((s) => (
              <rect
                key={s.series}
                className={`chart-seg chart-seg-${INCOME_SERIES[s.series].name}`}
                data-testid="income-segment"
                data-series={INCOME_SERIES[s.series].name}
                data-fen={s.value}
                x={b.x}
                y={s.y}
                width={b.width}
                height={s.height}
              />
            ))}
            <BarLabel bar={b} chart={chart} />
          </g>
        ))}
      </BarChartFrame>
      <ul className="legend" data-testid="income-legend">
        {INCOME_SERIES.map((s, i) => (
          <li key={s.name} data-testid="income-legend-item" data-series={s.name}>
            <span className={`legend-dot chart-seg-${s.name}`} aria-hidden="true" />
            {s.label}
            <span className="legend-value" data-fen={totals.parts[i]}>
              {formatFen(totals.parts[i])}
            </span>
          </li>
        ))}
      </ul>
    </>
  )
}

function FlowList() {
  const flows = usePages(getFlows)
  const { items, loaded, loading } = flows

  return (
    <section className="card" data-testid="flows">
      <h2 className="card-title">
        收支明细
        <span className="card-title-extra">近 15 天</span>
      </h2>
      {!loaded && loading && (
        <p className="empty" aria-busy="true" data-testid="flows-loading">
          加载中…
        </p>
      )}
      {loaded && items.length === 0 && (
        <p className="empty" data-testid="flows-empty">
          近 15 天没有收支记录
        </p>
      )}
      {items.length > 0 && (
        <ul className="flow-list" data-testid="flow-list">
          {items.map((f) => (
            <FlowRow key={f.id} flow={f} />
          ))}
        </ul>
      )}
      <LoadMore list={flows} testId="flows" />
    </section>
  )
}

function FlowRow({ flow }: { flow: Flow }) {
  const source = flowSource(flow)
  return (
    <li className="flow-row" data-testid="flow-row" data-id={flow.id} data-kind={flow.kind}>
      <div className="flow-main">
        <div className="flow-title" data-testid="flow-title">
          {flowTitle(flow)}
        </div>
        {source && (
          <div className="flow-source" data-testid="flow-source">
            {flow.withdrawal_id != null ? (
              <Link className="link" to={`/withdrawals/${flow.withdrawal_id}`}>
                {source}
              </Link>
            ) : (
              source
            )}
          </div>
        )}
        <div className="person-meta" data-testid="flow-time">
          {flowWhen(flow)}
        </div>
      </div>
      <div
        className={`flow-amount ${flow.amount_fen < 0 ? 'amount-out' : 'amount-in'}`}
        data-testid="flow-amount"
        data-fen={flow.amount_fen}
      >
        {formatSignedFen(flow.amount_fen)}
      </div>
    </li>
  )
}
