// 群组: every group a robot is or was in, searchable by name or WeChat id and filtered by state,
// robot and owner.
import { useState, type FormEvent } from 'react'
import { Link, useNavigate } from 'react-router-dom'
import { listGroups } from '../api'
import { useDraft, usePagedList } from '../components/hooks'
import { ListFrame, PageHead, Stars, Tag } from '../components/ui'
import { formatDateTime } from '../lib/dates'
import { GROUP_STATES, groupState, idFilterProblem, stateFilter } from '../lib/groups'

const FILTER_DEFAULTS = { q: '', state: '', robot_id: '', owner_id: '' }

type Filters = typeof FILTER_DEFAULTS

export default function Groups() {
  const navigate = useNavigate()
  const list = usePagedList(FILTER_DEFAULTS, (f, paging) =>
    listGroups({
      q: f.q,
      state: stateFilter(f.state),
      // A malformed id in the address bar is no filter (the form says why).
      robot_id: idFilterProblem(f.robot_id, '') ? '' : f.robot_id.trim(),
      owner_id: idFilterProblem(f.owner_id, '') ? '' : f.owner_id.trim(),
      ...paging,
    }),
  )
  const { filters, filter } = list
  const filtered = Object.values(filters).some(Boolean)

  return (
    <>
      <PageHead title="群组" hint="机器人所在或曾经所在的群；星级按昨日会话数每日评定" />
      <section className="card">
        <GroupFilters filters={filters} onApply={filter} />
        <ListFrame
          list={list}
          testId="groups-list"
          empty={{ text: filtered ? '没有符合条件的群' : '暂无群', testId: 'groups-empty' }}
        >
          {(data) => (
            <table className="table" data-testid="groups-table">
              <thead>
                <tr>
                  <th>群</th>
                  <th>群主</th>
                  <th>机器人</th>
                  <th>状态</th>
                  <th>星级</th>
                  <th className="num">成员</th>
                  <th className="num">今日会话</th>
                  <th className="num">昨日会话</th>
                  <th>退群原因</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((g) => {
                  const state = groupState(g.state)
                  return (
                    <tr
                      key={g.id}
                      className="clickable"
                      data-testid="group-row"
                      data-group-wxid={g.group_wxid}
                      onClick={(e) => {
                        if (!(e.target as HTMLElement).closest('a')) navigate(`/groups/${g.id}`)
                      }}
                    >
                      <td>
                        <div className="stack">
                          <Link to={`/groups/${g.id}`} data-testid="group-link">
                            {g.name || '（未命名群）'}
                          </Link>
                          <span className="mono small muted">{g.group_wxid}</span>
                        </div>
                      </td>
                      <td>
                        {g.owner_id !== null && g.owner_id !== undefined ? (
                          <Link to={`/users/${g.owner_id}`}>
                            {g.owner_nickname || '（无昵称）'}
                            <span className="muted mono"> #{g.owner_id}</span>
                          </Link>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                      <td>
                        <div className="stack">
                          <span>{g.robot_nickname || '—'}</span>
                          <span className="mono small muted">{g.robot_wxid}</span>
                        </div>
                      </td>
                      <td>
                        <Tag tone={state.tone} testId="group-state">
                          {state.label}
                        </Tag>
                      </td>
                      <td className="nowrap">
                        <Stars stars={g.stars} />
                      </td>
                      <td className="num">{g.member_count}</td>
                      <td className="num" data-testid="group-sessions-today">
                        {g.sessions_today}
                      </td>
                      <td className="num">{g.sessions_yesterday}</td>
                      <td>
                        {g.exit_reason ? (
                          <div className="stack">
                            <span data-testid="group-exit-reason">{g.exit_reason}</span>
                            <span className="muted small">{formatDateTime(g.exited_at)}</span>
                          </div>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          )}
        </ListFrame>
      </section>
    </>
  )
}

function GroupFilters({ filters, onApply }: { filters: Filters; onApply: (filters: Filters) => void }) {
  // Follows the address bar (back / forward, a link from a robot or a user).
  const [draft, setDraft] = useDraft(filters)
  const [problem, setProblem] = useState('')

  const apply = (next: Filters) => {
    const invalid = idFilterProblem(next.robot_id, '机器人 ID') || idFilterProblem(next.owner_id, '群主 ID')
    setProblem(invalid)
    if (invalid) return
    onApply({
      q: next.q.trim(),
      state: stateFilter(next.state),
      robot_id: next.robot_id.trim(),
      owner_id: next.owner_id.trim(),
    })
  }
  const onSubmit = (e: FormEvent) => {
    e.preventDefault()
    apply(draft)
  }

  return (
    <>
      <form className="toolbar" onSubmit={onSubmit} role="search" data-testid="groups-filters">
        <input
          type="search"
          className="toolbar-search"
          value={draft.q}
          placeholder="群名 / 群微信 ID"
          aria-label="群名 / 群微信 ID"
          data-testid="groups-search"
          onChange={(e) => setDraft({ q: e.target.value })}
        />
        <label className="inline-field">
          <span>状态</span>
          <select
            value={stateFilter(draft.state)}
            data-testid="groups-state"
            onChange={(e) => {
              setDraft({ state: e.target.value })
              apply({ ...draft, state: e.target.value })
            }}
          >
            <option value="">全部</option>
            {GROUP_STATES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>机器人 ID</span>
          <input
            className="id-input"
            inputMode="numeric"
            value={draft.robot_id}
            data-testid="groups-robot-id"
            onChange={(e) => setDraft({ robot_id: e.target.value })}
          />
        </label>
        <label className="inline-field">
          <span>群主 ID</span>
          <input
            className="id-input"
            inputMode="numeric"
            value={draft.owner_id}
            data-testid="groups-owner-id"
            onChange={(e) => setDraft({ owner_id: e.target.value })}
          />
        </label>
        <button className="btn btn-default" type="submit" data-testid="groups-search-submit">
          搜索
        </button>
        {Object.values(filters).some(Boolean) && (
          <button
            className="btn btn-ghost"
            type="button"
            onClick={() => {
              setProblem('')
              onApply({ q: '', state: '', robot_id: '', owner_id: '' })
            }}
          >
            清除
          </button>
        )}
      </form>
      {problem && (
        <div className="alert" role="alert" data-testid="groups-filter-error">
          {problem}
        </div>
      )}
    </>
  )
}
