// One group: its owner, robot, state and rating, 30 days of sessions and speakers, and a forced
// exit (强制退群) with a reason.
import { useState, type ReactNode } from 'react'
import { Link, useParams } from 'react-router-dom'
import { canWrite, exitGroup, getGroup, type GroupDetail as Detail } from '../api'
import { useAuth } from '../auth'
import LineChart from '../components/LineChart'
import { ReasonDialog } from '../components/ReasonDialog'
import { useLoad } from '../components/hooks'
import { LoadError, Loading, Stars, StateTag } from '../components/ui'
import { formatDateTime, shortDay } from '../lib/dates'
import { MAX_EXIT_REASON, groupState, historySeries, validateExitReason } from '../lib/groups'
import { fenToYuan } from '../lib/money'

export default function GroupDetail() {
  const { id = '' } = useParams()
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const [exiting, setExiting] = useState(false)
  const { data, error, loading, reload } = useLoad(() => getGroup(id), [id])

  return (
    <>
      <nav className="breadcrumb">
        <Link to="/groups">群组</Link>
        <span aria-hidden="true">/</span>
        <span>{data?.name || id}</span>
      </nav>
      {!data && loading && <Loading />}
      {!data && error && <LoadError error={error} onRetry={reload} />}
      {data && (
        <div className={loading ? 'is-reloading' : undefined}>
          <div className="page-head">
            <div>
              <h1 data-testid="group-name">{data.name || '（未命名群）'}</h1>
              <span className="tags">
                <StateTag look={groupState(data.state)} testId="group-state" />
                <Stars stars={data.stars} />
              </span>
            </div>
            {writable && data.state === 'active' && (
              <div className="page-actions">
                <button className="btn btn-danger" data-testid="group-exit-button" onClick={() => setExiting(true)}>
                  强制退群
                </button>
              </div>
            )}
          </div>
          {error && <p className="text-danger small">{error.message}</p>}
          <div className="detail-grid">
            <GroupInfo group={data} />
            <Activity group={data} />
          </div>
          <section className="chart-card" data-testid="group-history-chart">
            <header>
              <h2>近 30 天会话</h2>
              <span className="muted">会话：群内非机器人成员的消息条数；发言人：当日发言的不同成员数</span>
            </header>
            <History group={data} />
          </section>
        </div>
      )}
      {exiting && data && (
        <ReasonDialog
          title={`强制退群「${data.name || data.group_wxid}」`}
          testId="group-exit-dialog"
          note="机器人将退出该群，群主可在 H5 看到退群原因。此操作不可撤销。"
          reason={{
            label: '退群原因',
            max: MAX_EXIT_REASON,
            placeholder: '例如：群内发布违规广告',
            testId: 'group-exit-reason-input',
            validate: validateExitReason,
          }}
          send={(reason) => exitGroup(data.id, reason)}
          done="已强制退群"
          failed="退群失败"
          confirm={{ text: '确认退群', testId: 'group-exit-confirm' }}
          onClose={() => setExiting(false)}
          onDone={() => {
            setExiting(false)
            reload()
          }}
        />
      )}
    </>
  )
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  )
}

function GroupInfo({ group }: { group: Detail }) {
  const ownerId = group.owner_id ?? group.owner?.id ?? null
  const ownerName = group.owner_nickname ?? group.owner?.nickname ?? ''
  return (
    <section className="card" data-testid="group-info">
      <h2 className="card-title">资料</h2>
      <dl className="desc">
        <Row label="群 ID">
          <span className="mono">{group.id}</span>
        </Row>
        <Row label="群微信 ID">
          <span className="mono" data-testid="group-wxid">
            {group.group_wxid}
          </span>
        </Row>
        <Row label="群主">
          {ownerId !== null ? (
            <Link to={`/users/${ownerId}`} data-testid="group-owner">
              {ownerName || '（无昵称）'} <span className="muted mono">#{ownerId}</span>
            </Link>
          ) : (
            <span className="muted">—</span>
          )}
        </Row>
        <Row label="机器人">
          {group.robot_nickname || '—'} <span className="mono muted">{group.robot_wxid}</span>
        </Row>
        <Row label="成员数">{group.member_count}</Row>
        <Row label="加入时间">{formatDateTime(group.joined_at)}</Row>
        <Row label="退出时间">{formatDateTime(group.exited_at)}</Row>
        <Row label="退出原因">
          {group.exit_reason ? <span data-testid="group-exit-reason">{group.exit_reason}</span> : <span className="muted">—</span>}
        </Row>
      </dl>
    </section>
  )
}

function Activity({ group }: { group: Detail }) {
  return (
    <section className="card" data-testid="group-activity">
      <h2 className="card-title">活跃与收益</h2>
      <dl className="desc">
        <Row label="星级">
          <Stars stars={group.stars} />
        </Row>
        <Row label="当前星级日收益">¥{fenToYuan(group.star_income_fen)}</Row>
        <Row label="今日会话">
          <b data-testid="group-sessions-today">{group.sessions_today}</b>
        </Row>
        <Row label="今日发言人">{group.speakers_today}</Row>
        <Row label="昨日会话">{group.sessions_yesterday}</Row>
      </dl>
    </section>
  )
}

function History({ group }: { group: Detail }) {
  const { days, sessions, speakers } = historySeries(group.history)
  return (
    <LineChart
      labels={days}
      series={[
        { name: '会话', color: '#1677ff', values: sessions },
        { name: '发言人', color: '#00a870', values: speakers },
      ]}
      formatLabel={shortDay}
      emptyText="暂无会话记录"
      ariaLabel="近 30 天会话与发言人"
    />
  )
}
