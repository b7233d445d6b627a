import { Link } from 'react-router-dom'
import { type Group, getGroups } from '../api'
import { formatDate, formatFen } from '../lib/format'
import { useLoad } from '../hooks'
import { ChevronIcon } from '../icons'
import { EmptyCard, GroupStateBadge, PageHeader, Stars, Stat } from '../widgets'
import { LoadError, Loading } from './states'

/** /groups: the owner's groups, their state, stars, sessions and income. */
export default function Groups() {
  const { state, reload } = useLoad(getGroups)

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  const groups = state.data.items
  const active = groups.filter((g) => g.state === 'active').length

  return (
    <div className="page groups-page">
      <PageHeader title="我的群" />
      {groups.length === 0 ? (
        <EmptyCard
          text="还没有群。领取机器人并拉进你的群，群就会出现在这里"
          testId="groups-empty"
          link={{ to: '/robots', text: '去领取机器人', testId: 'groups-empty-robots' }}
        />
      ) : (
        <>
          <div className="list-head">
            <span data-testid="groups-count">
              共 {groups.length} 个群 · 运营中 {active} 个
            </span>
            <Link className="link" to="/robots">
              + 领取机器人
            </Link>
          </div>
          <ul className="group-list" data-testid="group-list">
            {groups.map((g) => (
              <li key={g.id}>
                <GroupRow group={g} />
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  )
}

function GroupRow({ group: g }: { group: Group }) {
  return (
    <Link className="card group-row" to={`/groups/${g.id}`} data-testid="group-row" data-id={g.id}>
      <div className="group-row-head">
        <span className="group-name" data-testid="group-name">
          {g.name || '未命名群'}
        </span>
        <GroupStateBadge state={g.state} />
        <ChevronIcon />
      </div>
      <div className="group-row-stars">
        <Stars stars={g.stars} />
        <span className="muted">{g.member_count} 人</span>
      </div>
      <div className="stats">
        <Stat value={g.sessions_today} label="今日会话" testId="sessions-today" />
        <Stat value={g.sessions_yesterday} label="昨日会话" testId="sessions-yesterday" />
        <Stat value={formatFen(g.star_income_fen)} label="当前星级日收益" testId="group-income" money />
      </div>
      {g.state !== 'active' && (
        <p className="exit-reason" data-testid="exit-reason">
          原因：{g.exit_reason || '未说明'}
          <span className="muted"> · {formatDate(g.exited_at)}</span>
        </p>
      )}
    </Link>
  )
}
