import { List, PullToRefresh } from 'antd-mobile'
import { Link, useNavigate } from 'react-router-dom'
import { type Group, getGroups } from '../api'
import { formatDate, formatFen } from '../lib/format'
import { earningNote } from '../lib/groups'
import { ROBOT_OUT_LOOK, robotOut } from '../lib/outage'
import { useLoad } from '../hooks'
import { EmptyList, Figure, GroupStateTag, StarRating, StateTag, TitleBar } from '../ui'
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
      <TitleBar title="我的群" />
      <PullToRefresh onRefresh={async () => reload()}>
        {groups.length === 0 ? (
          <EmptyList
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
            <List className="group-list" data-testid="group-list" mode="card">
              {groups.map((g) => (
                <GroupRow key={g.id} group={g} />
              ))}
            </List>
          </>
        )}
      </PullToRefresh>
    </div>
  )
}

function GroupRow({ group: g }: { group: Group }) {
  const navigate = useNavigate()
  const name = g.name || '未命名群'
  const note = earningNote(g)
  return (
    <List.Item
      className="group-item"
      arrowIcon
      onClick={() => navigate(`/groups/${g.id}`)}
      data-testid="group-row"
      data-id={g.id}
    >
      <div className="group-row-head">
        {/* Two lines at most here; the group's page shows the whole name. */}
        <span className="group-name group-name-clamp" data-testid="group-name" title={name}>
          {name}
        </span>
        <GroupStateTag state={g.state} />
      </div>
      <div className="group-row-stars">
        <StarRating stars={g.stars} />
        <span className="muted">{g.member_count} 人</span>
        {robotOut(g) && <StateTag state={g.robot_health ?? ''} look={ROBOT_OUT_LOOK} testId="robot-offline" />}
      </div>
      <div className="stats">
        <Figure value={g.sessions_today} label="今日会话" testId="sessions-today" />
        <Figure value={g.sessions_yesterday} label="昨日会话" testId="sessions-yesterday" />
        <Figure value={formatFen(g.star_income_fen)} label="当前星级日收益" testId="group-income" money />
      </div>
      {note && (
        <p className="earning-note" data-testid="earning-note">
          {note}
        </p>
      )}
      {g.state !== 'active' && (
        <p className="exit-reason" data-testid="exit-reason">
          原因：{g.exit_reason || '未说明'}
          <span className="muted"> · {formatDate(g.exited_at)}</span>
        </p>
      )}
    </List.Item>
  )
}
