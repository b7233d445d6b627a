// 群组: every group a robot is or was in, searchable by name or WeChat id and filtered by state,
// robot and owner.
import { Link } from 'react-router-dom'
import { listGroups } from '../api'
import { useFilterForm, usePagedList, useRowLink } from '../components/hooks'
import {
  FilterBar,
  IdInput,
  InlineField,
  ListFrame,
  PageHead,
  Stars,
  StateFilter,
  StateTag,
  Table,
  numeric,
} from '../components/ui'
import { formatDateTime } from '../lib/dates'
import {
  GROUP_STATES,
  groupState,
  idFilter,
  parseGroupFilters,
  stateFilter,
  type GroupFilterForm as Filters,
} from '../lib/groups'

const FILTER_DEFAULTS: Filters = { q: '', state: '', robot_id: '', owner_id: '' }

export default function Groups() {
  const openRow = useRowLink()
  const list = usePagedList(FILTER_DEFAULTS, (f, paging) =>
    listGroups({
      q: f.q,
      state: stateFilter(f.state),
      robot_id: idFilter(f.robot_id),
      owner_id: idFilter(f.owner_id),
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
            <Table
              testId="groups-table"
              columns={['群', '群主', '机器人', '状态', '星级', numeric('成员'), numeric('今日会话'), numeric('昨日会话'), '退群原因']}
              items={data.items}
              row={(g) => (
                <tr
                  key={g.id}
                  className="clickable"
                  data-testid="group-row"
                  data-group-wxid={g.group_wxid}
                  onClick={openRow(`/groups/${g.id}`)}
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
                    <StateTag look={groupState(g.state)} testId="group-state" />
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
              )}
            />
          )}
        </ListFrame>
      </section>
    </>
  )
}

function GroupFilters({ filters, onApply }: { filters: Filters; onApply: (filters: Filters) => void }) {
  // The draft follows the address bar (back / forward, a link from a robot or a user).
  const form = useFilterForm(filters, FILTER_DEFAULTS, parseGroupFilters, onApply)
  const { draft, setDraft } = form
  return (
    <FilterBar
      testId="groups-filters"
      onSubmit={() => form.apply(draft)}
      submitText="搜索"
      submitTestId="groups-search-submit"
      onClear={form.clear}
      problem={form.problem}
      problemTestId="groups-filter-error"
    >
      <input
        type="search"
        className="toolbar-search"
        value={draft.q}
        placeholder="群名 / 群微信 ID"
        aria-label="群名 / 群微信 ID"
        data-testid="groups-search"
        onChange={(e) => setDraft({ q: e.target.value })}
      />
      <StateFilter form={form} states={GROUP_STATES} testId="groups-state" />
      <InlineField label="机器人 ID">
        <IdInput value={draft.robot_id} testId="groups-robot-id" onChange={(robot_id) => setDraft({ robot_id })} />
      </InlineField>
      <InlineField label="群主 ID">
        <IdInput value={draft.owner_id} testId="groups-owner-id" onChange={(owner_id) => setDraft({ owner_id })} />
      </InlineField>
    </FilterBar>
  )
}
