import { useCallback, useMemo, useState } from 'react'
import { ApiError, type GroupDay, getGroup, leaveGroup, sessionGone } from '../api'
import { barChart } from '../lib/chart'
import { formatDate, formatDay, formatFen } from '../lib/format'
import { starsLabel } from '../lib/groups'
import { useLoad } from '../hooks'
import { track } from '../track'
import { BarChartFrame, BarLabel, ConfirmDialog, GroupStateBadge, PageHeader, Stars, Stat } from '../widgets'
import { ById } from './NotFound'
import { LoadError, Loading } from './states'

/** /groups/:id */
export default function GroupDetailRoute() {
  return <ById page={GroupDetailPage} />
}

function GroupDetailPage({ id }: { id: number }) {
  const load = useCallback(() => getGroup(id), [id])
  const { state, reload, set } = useLoad(load)
  const [confirming, setConfirming] = useState(false)
  const [leaving, setLeaving] = useState(false)
  const [leaveError, setLeaveError] = useState('')

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  const group = state.data

  const onLeave = async () => {
    setLeaving(true)
    setLeaveError('')
    track('click', { button: 'leave_group', group_id: id })
    try {
      const left = await leaveGroup(id)
      // The answer is the group without its history: keep the history shown.
      set({ ...group, ...left, history: group.history })
      setConfirming(false)
    } catch (e) {
      if (sessionGone(e)) return
      setLeaveError(e instanceof ApiError ? e.message : '操作失败，请稍后再试')
    } finally {
      setLeaving(false)
    }
  }

  return (
    <div className="page group-detail">
      <PageHeader title="群详情" />

      <section className="card group-head" data-testid="group-detail" data-id={group.id}>
        <div className="group-row-head">
          <h2 className="group-name" data-testid="group-name">
            {group.name || '未命名群'}
          </h2>
          <GroupStateBadge state={group.state} />
        </div>
        <div className="group-row-stars">
          <Stars stars={group.stars} />
          <span className="muted" data-testid="group-members">
            {group.member_count} 人
          </span>
        </div>
        <div className="stats">
          <Stat value={group.sessions_today} label="今日会话" testId="sessions-today" />
          <Stat value={group.speakers_today} label="今日发言人" testId="speakers-today" />
          <Stat value={group.sessions_yesterday} label="昨日会话" testId="sessions-yesterday" />
          <Stat value={formatFen(group.star_income_fen)} label="日收益" testId="group-income" money />
        </div>
        <div className="row">
          <span className="muted">机器人</span>
          <span data-testid="group-robot">{group.robot_nickname}</span>
        </div>
        <div className="row">
          <span className="muted">进群日期</span>
          <span>{formatDate(group.joined_at)}</span>
        </div>
        {group.state !== 'active' && (
          <div className="row">
            <span className="muted">退出</span>
            <span className="row-text" data-testid="exit-reason">
              {formatDate(group.exited_at)} · {group.exit_reason || '未说明'}
            </span>
          </div>
        )}
      </section>

      <section className="card" data-testid="group-history">
        <h2 className="card-title">
          近 {group.history.length} 天会话
          <span className="card-title-extra">星级按前一天会话数评定</span>
        </h2>
        <SessionsChart history={group.history} />
        <table className="table" data-testid="history-table">
          <thead>
            <tr>
              <th>日期</th>
              <th>会话</th>
              <th>发言人</th>
              <th>星级</th>
            </tr>
          </thead>
          <tbody>
            {[...group.history].reverse().map((d) => (
              <tr key={d.day} data-testid="history-row" data-day={d.day}>
                <td>{formatDay(d.day)}</td>
                <td data-testid="history-sessions">{d.sessions}</td>
                <td>{d.speakers}</td>
                <td className={d.stars ? 'stars-cell' : 'muted'} aria-label={d.stars ? starsLabel(d.stars) : undefined}>
                  {d.stars ? '★'.repeat(d.stars) : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      {group.state === 'active' && (
        <button
          type="button"
          className="btn btn-outline btn-block btn-danger-text"
          data-testid="leave-group"
          onClick={() => {
            setLeaveError('')
            setConfirming(true)
          }}
        >
          退群
        </button>
      )}

      {confirming && (
        <ConfirmDialog
          title="确定让机器人退出该群？"
          message={
            <>
              机器人将退出「{group.name || '未命名群'}」，该群不再计算会话和收益，退群后不可恢复。
            </>
          }
          ok="确定退群"
          danger
          busy={leaving}
          error={leaveError}
          onOk={onLeave}
          onCancel={() => setConfirming(false)}
        />
      )}
    </div>
  )
}

const CHART = { width: 343, height: 150, right: 14, maxLabels: 5 }

/** Sessions per day, oldest on the left, as SVG bars. */
function SessionsChart({ history }: { history: GroupDay[] }) {
  const chart = useMemo(
    () => barChart(history.map((d) => ({ label: formatDay(d.day), value: d.sessions })), CHART),
    [history],
  )
  const total = history.reduce((n, d) => n + d.sessions, 0)
  return (
    <BarChartFrame chart={chart} testId="sessions-chart" label={`近 ${history.length} 天共 ${total} 次会话`}>
      {chart.bars.map((b, i) => (
        <g key={i}>
          <rect
            className={i === chart.bars.length - 1 ? 'chart-bar chart-bar-today' : 'chart-bar'}
            data-testid="chart-bar"
            data-value={b.value}
            x={b.x}
            y={b.y}
            width={b.width}
            height={b.height}
            rx={Math.min(2, b.width / 2)}
          >
            <title>{`${b.label}：${b.value} 次会话`}</title>
          </rect>
          <BarLabel bar={b} chart={chart} />
        </g>
      ))}
    </BarChartFrame>
  )
}
