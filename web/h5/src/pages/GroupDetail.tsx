import { Button, Dialog, List, Toast } from 'antd-mobile'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { ApiError, type Group, type GroupDay, type GroupDetail, getGroup, leaveGroup, replaceRobot, sessionGone } from '../api'
import { type BarPoint, BarsChart } from '../charts'
import type { BarsInput } from '../lib/chart'
import { formatDate, formatDateTime, formatDay, formatFen } from '../lib/format'
import { earningNote, starsAria } from '../lib/groups'
import {
  BY_OPERATORS_TEXT,
  REPLACEMENT_POLL_MS,
  outageBanner,
  replaceErrorMessage,
  replacedBy,
  replacedText,
  replacementSteps,
} from '../lib/outage'
import { useLoad, usePoll, useTitle } from '../hooks'
import { PairingCode, RobotQr, StepList } from '../pairing'
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

  // While a replacement robot is shown, the owner adds it and pulls it into the group on WeChat:
  // the page follows by itself, and says so once the group has moved to it.
  const waiting = loaded?.replacement?.nickname ?? null
  const [waitingFor, setWaitingFor] = useState<string | null>(null)
  useEffect(() => {
    if (waiting) setWaitingFor(waiting)
  }, [waiting])
  usePoll(load, set, REPLACEMENT_POLL_MS, waiting !== null)

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  const group = state.data
  const name = group.name || '未命名群'
  const note = earningNote(group)
  const replaced = replacedBy(group, waitingFor)

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

      {replaced ? (
        <section className="card robot-replaced" role="status" data-testid="robot-replaced">
          ✓ {replacedText(replaced)}
        </section>
      ) : (
        <RobotOutage group={group} onGroup={(g) => set({ ...group, ...g, history: group.history })} />
      )}
      {group.replacement && <ReplacementCard replacement={group.replacement} groupName={name} />}

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

/** The banner of a group whose robot is out: why, since when, what protects the owner, 更换机器人. */
function RobotOutage({ group, onGroup }: { group: GroupDetail; onGroup: (group: Group) => void }) {
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState('')
  const banner = outageBanner(group)
  if (!banner) return null

  const onReplace = async () => {
    setLoading(true)
    setError('')
    track('click', { button: 'replace_robot', group_id: group.id })
    try {
      onGroup(await replaceRobot(group.id))
    } catch (e) {
      if (sessionGone(e)) return
      setError(e instanceof ApiError ? replaceErrorMessage(e.code, e.message) : '更换失败，请稍后再试')
    } finally {
      setLoading(false)
    }
  }

  return (
    <section className="card outage-card" role="alert" data-testid="robot-outage" data-health={group.robot_health}>
      <h2 className="outage-title">{banner.title}</h2>
      <p className="outage-reason" data-testid="robot-issue">
        {banner.reason}
      </p>
      {banner.since && (
        <p className="outage-since" data-testid="outage-since">
          {banner.since}
        </p>
      )}
      <ul className="outage-protections" data-testid="outage-protections">
        {banner.protections.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
      {!group.replacement && (
        <Button block color="primary" data-testid="replace-robot" loading={loading} loadingText="正在更换…" onClick={onReplace}>
          更换机器人
        </Button>
      )}
      {error && (
        <p className="form-error" role="alert" data-testid="replace-error">
          {error}
        </p>
      )}
    </section>
  )
}

/** The replacement robot: its QR code, the pairing code and the two steps to move the group to it. */
function ReplacementCard({ replacement: r, groupName }: { replacement: NonNullable<Group['replacement']>; groupName: string }) {
  return (
    <section className="card robot-card replacement-card" data-testid="replacement" data-robot-wxid={r.robot_wxid}>
      {r.by_operators && (
        <p className="replacement-lead" data-testid="replacement-by-operators">
          {BY_OPERATORS_TEXT}
        </p>
      )}
      <p className="muted">替换机器人</p>
      <div className="robot-name" data-testid="replacement-nickname">
        {r.nickname}
      </div>
      <RobotQr robot={r} />
      <PairingCode code={r.pairing_code} />
      <p className="pairing-expiry" data-testid="pairing-expires">
        有效期至 {formatDateTime(r.expires_at)}
      </p>
      <StepList steps={replacementSteps(r.pairing_code, groupName)} testId="replacement-steps" />
      <p className="muted replacement-hint">机器人进群后，本页会自动更新</p>
    </section>
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
