import { Dialog, List, Toast } from 'antd-mobile'
import { useCallback, useMemo } from 'react'
import { ApiError, type GroupDay, getGroup, leaveGroup, sessionGone } from '../api'
import { type BarPoint, BarsChart } from '../charts'
import type { BarsInput } from '../lib/chart'
import { formatDate, formatDay, formatFen } from '../lib/format'
import { earningNote, starsAria } from '../lib/groups'
import { useLoad, useTitle } from '../hooks'
import { track } from '../track'
import { Figure, GroupStateTag, StarRating, TitleBar } from '../ui'
import { ById } from './NotFound'
import { LoadError, Loading } from './states'

/** /groups/:id */
export default function GroupDetailRoute() {
  return <ById page={GroupDetailPage} />
}

function GroupDetailPage({ id }: { id: number }) {
  const load = useCallback(() => getGroup(id), [id])
  const { state, reload, set } = useLoad(load)
  const loaded = state !== null && 'data' in state ? state.data : null
  useTitle(loaded ? loaded.name || '未命名群' : null)

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  const group = state.data
  const name = group.name || '未命名群'
  const note = earningNote(group)

  const onLeave = () => {
    track('click', { button: 'leave_group', group_id: id })
    Dialog.confirm({
      title: '确定让机器人退出该群？',
      content: <p className="dialog-msg">机器人将退出「{name}」，该群不再计算会话和收益，退群后不可恢复。</p>,
      confirmText: <span data-testid="confirm-ok">确定退群</span>,
      cancelText: <span data-testid="confirm-cancel">取消</span>,
      onConfirm: async () => {
        try {
          const left = await leaveGroup(id)
          // The answer is the group without its history: keep the history shown.
          set({ ...group, ...left, history: group.history })
          Toast.show({ icon: 'success', content: '机器人已退群' })
        } catch (e) {
          if (sessionGone(e)) return
          Toast.show({ icon: 'fail', content: e instanceof ApiError ? e.message : '操作失败，请稍后再试' })
          // Dialog stays open on a thrown error, to try again.
          throw e
        }
      },
    })
  }

  return (
    <div className="page group-detail">
      <TitleBar title="群详情" />

      <section className="card group-head" data-testid="group-detail" data-id={group.id}>
        {/* The whole name, wrapped over as many lines as it takes; the tag keeps its line. */}
        <div className="group-detail-head">
          <h2 className="group-full-name" data-testid="group-name">
            {name}
          </h2>
          <GroupStateTag state={group.state} />
        </div>
        <div className="group-row-stars">
          <StarRating stars={group.stars} />
          <span className="muted" data-testid="group-members">
            {group.member_count} 人
          </span>
        </div>
        <div className="stats">
          <Figure value={group.sessions_today} label="今日会话" testId="sessions-today" />
          <Figure value={group.speakers_today} label="今日发言人" testId="speakers-today" />
          <Figure value={group.sessions_yesterday} label="昨日会话" testId="sessions-yesterday" />
          <Figure value={formatFen(group.star_income_fen)} label="日收益" testId="group-income" money />
        </div>
        {note && (
          <p className="earning-note" data-testid="earning-note">
            {note}
          </p>
        )}
        <List className="info-list">
          <List.Item extra={<span data-testid="group-robot">{group.robot_nickname}</span>}>机器人</List.Item>
          <List.Item extra={formatDate(group.joined_at)}>进群日期</List.Item>
          {group.state !== 'active' && (
            <List.Item
              extra={
                <span className="row-text" data-testid="exit-reason">
                  {formatDate(group.exited_at)} · {group.exit_reason || '未说明'}
                </span>
              }
            >
              退出
            </List.Item>
          )}
        </List>
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
                <td className={d.stars ? 'stars-cell' : 'muted'}>
                  {d.stars ? (
                    <span role="img" aria-label={starsAria(d.stars)}>
                      <span aria-hidden="true">{'★'.repeat(d.stars)}</span>
                    </span>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      {group.state === 'active' && (
        <button type="button" className="btn btn-outline btn-block btn-danger-text" data-testid="leave-group" onClick={onLeave}>
          退群
        </button>
      )}
    </div>
  )
}

/** Sessions per day, oldest on the left, today (the last day) still going on. */
function SessionsChart({ history }: { history: GroupDay[] }) {
  const input = useMemo<BarsInput>(
    () => ({
      days: history.map((d) => d.day),
      series: [{ name: 'sessions', label: '会话', color: '#07c160', values: history.map((d) => d.sessions) }],
      partial: history.length ? history.length - 1 : null,
      unit: 'sessions',
      floor: 10,
      emptyText: '近期还没有会话',
    }),
    [history],
  )
  const total = history.reduce((n, d) => n + d.sessions, 0)
  return (
    <BarsChart
      input={input}
      testId="sessions-chart"
      label={`近 ${history.length} 天共 ${total} 次会话`}
      data={(points) => <SessionsData history={history} points={points} />}
    />
  )
}

/** The chart's figures for screen readers (and where each bar is drawn, for tests). */
function SessionsData({ history, points }: { history: GroupDay[]; points: BarPoint[] | null }) {
  return (
    <ul data-testid="sessions-data">
      {history.map((d, i) => (
        <li
          key={d.day}
          data-testid="chart-bar"
          data-day={d.day}
          data-value={d.sessions}
          data-x={points?.[i]?.x}
          data-top={points?.[i]?.top}
          data-base={points?.[i]?.base}
        >
          {formatDay(d.day)}
          {i === history.length - 1 ? '（今天，进行中）' : ''}：{d.sessions} 次会话
        </li>
      ))}
    </ul>
  )
}
