import { List } from 'antd-mobile'
import { useMemo } from 'react'
import { Link } from 'react-router-dom'
import { type Account, type DailyIncome, type Flow, getAccount, getFlows } from '../api'
import { type BarPoint, BarsChart } from '../charts'
import { formatDay, formatFen, formatSignedFen } from '../lib/format'
import { useLoad, usePages } from '../hooks'
import { INCOME_SERIES, flowSource, flowTitle, flowWhen, incomeTotals, walletChart } from '../lib/wallet'
import { Figure, MoreButton, TitleBar } from '../ui'
import { LoadError, Loading } from './states'

/** /wallet: the balances, the last 15 days of income, and the flows (流水). */
export default function Wallet() {
  const { state, reload } = useLoad(getAccount)

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  const account = state.data

  return (
    <div className="page wallet-page">
      <TitleBar title="我的钱包" />
      <BalanceCard account={account} />
      <section className="card" data-testid="income-history">
        <h2 className="card-title">
          近 {account.daily.length} 天收益（元）
          <span className="card-title-extra">次日结算后入账</span>
        </h2>
        <IncomeChart daily={account.daily} todayFen={account.today_income_fen} />
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
        <Figure value={formatFen(account.held_fen)} label="冻结中" testId="held" money />
        <Figure value={formatFen(account.today_income_fen)} label="今日预估收益" testId="today-income" money />
      </div>
      <div className="stats">
        <Figure value={formatFen(account.total_income_fen)} label="累计收益" testId="total-income" money />
        <Figure value={formatFen(account.paid_fen)} label="已提现" testId="paid" money />
      </div>
      <p className="balance-note" data-testid="today-income-note">
        今日预估收益按今天目前的群会话和广告点击估算，尚未结算，次日结算后计入可提现余额。冻结中为处理中的提现金额。
      </p>
    </section>
  )
}

/**
 * Income per day, oldest on the left, each bar stacked by where the money came from; today's
 * estimate last, marked as not over. A tap (or the pointer) on a bar says its figures.
 */
function IncomeChart({ daily, todayFen }: { daily: DailyIncome[]; todayFen: number }) {
  const input = useMemo(() => walletChart(daily, todayFen), [daily, todayFen])
  const totals = useMemo(() => incomeTotals(daily), [daily])
  return (
    <>
      <BarsChart
        input={input}
        testId="income-chart"
        label={`近 ${daily.length} 天共收益 ${formatFen(totals.total)}`}
        data={(points) => <IncomeData daily={daily} todayFen={todayFen} points={points} />}
      />
      <ul className="legend" data-testid="income-legend">
        {INCOME_SERIES.map((s, i) => (
          <li key={s.name} data-testid="income-legend-item" data-series={s.name}>
            <span className="legend-dot" style={{ background: s.color }} aria-hidden="true" />
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

/** The chart's figures for screen readers (and where each bar is drawn, for tests). */
function IncomeData({ daily, todayFen, points }: { daily: DailyIncome[]; todayFen: number; points: BarPoint[] | null }) {
  return (
    <ul data-testid="income-data">
      {daily.map((d, i) => {
        const fen = INCOME_SERIES.reduce((n, s) => n + d[s.key], 0)
        return (
          <li
            key={d.day}
            data-testid="income-bar"
            data-day={d.day}
            data-fen={fen}
            data-x={points?.[i]?.x}
            data-top={points?.[i]?.top}
            data-base={points?.[i]?.base}
          >
            {formatDay(d.day)}：{formatFen(fen)}
            {INCOME_SERIES.map((s) => (
              <span key={s.name} data-testid="income-segment" data-series={s.name} data-fen={d[s.key]}>
                ，{s.label} {formatFen(d[s.key])}
              </span>
            ))}
          </li>
        )
      })}
      {daily.length > 0 && (
        <li
          data-testid="income-today"
          data-fen={todayFen}
          data-x={points?.[daily.length]?.x}
          data-top={points?.[daily.length]?.top}
          data-base={points?.[daily.length]?.base}
        >
          今天（进行中）预估：{formatFen(todayFen)}
        </li>
      )}
    </ul>
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
        <List className="flow-list" data-testid="flow-list">
          {items.map((f) => (
            <FlowRow key={f.id} flow={f} />
          ))}
        </List>
      )}
      <MoreButton list={flows} testId="flows" />
    </section>
  )
}

function FlowRow({ flow }: { flow: Flow }) {
  const source = flowSource(flow)
  return (
    <List.Item
      className="flow-item"
      data-testid="flow-row"
      data-id={flow.id}
      data-kind={flow.kind}
      description={
        <>
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
        </>
      }
      extra={
        <span
          className={`flow-amount ${flow.amount_fen < 0 ? 'amount-out' : 'amount-in'}`}
          data-testid="flow-amount"
          data-fen={flow.amount_fen}
        >
          {formatSignedFen(flow.amount_fen)}
        </span>
      }
    >
      <span className="flow-title" data-testid="flow-title">
        {flowTitle(flow)}
      </span>
    </List.Item>
  )
}
