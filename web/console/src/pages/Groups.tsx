// 群组: every group a robot is or was in, searchable by name or WeChat id and filtered by state,
// robot and owner.
import { Link, useNavigate } from 'react-router-dom'
import { Alert, Button, Card, Input, Rate, Select, Space, Table, Tag, Typography } from 'antd'
import type { FilterValue } from 'antd/es/table/interface'
import { listGroups, type Group } from '../api'
import { tablePaging, useFilterForm, usePagedList } from '../components/hooks'
import { LoadState } from '../components/LoadState'
import { formatDateTime } from '../lib/dates'
import {
  GROUP_STATES,
  groupState,
  idFilter,
  parseGroupFilters,
  stateFilter,
  type GroupFilterForm as Filters,
} from '../lib/groups'
import { toneColor } from '../lib/tone'

const FILTER_DEFAULTS: Filters = { q: '', state: '', robot_id: '', owner_id: '' }

const { Text } = Typography

/** A rating as stars, with its words for screen readers. */
export const StarRating = ({ stars }: { stars: number }) => (
  <span role="img" aria-label={`${stars} 星`} title={`${stars} 星`} className="nowrap">
    <Rate disabled count={5} value={stars} style={{ fontSize: 12 }} />
  </span>
)

export default function Groups() {
  const navigate = useNavigate()
  const list = usePagedList(FILTER_DEFAULTS, (f, paging) =>
    listGroups({
      q: f.q,
      state: stateFilter(f.state),
      robot_id: idFilter(f.robot_id),
      owner_id: idFilter(f.owner_id),
      ...paging,
    }),
  )
  const { filters, filter, data, error, loading, reload, pager } = list
  const filtered = Object.values(filters).some(Boolean)
  const state = stateFilter(filters.state)

  return (
    <>
      <div className="page-head">
        <div>
          <Typography.Title level={3}>群组</Typography.Title>
          <Text type="secondary">机器人所在或曾经所在的群；星级按昨日会话数每日评定</Text>
        </div>
      </div>
      <Card>
        <GroupFilters filters={filters} onApply={filter} />
        {!data ? (
          <LoadState error={error} onRetry={reload} />
        ) : (
          <div data-testid="groups-list" className={loading ? 'is-reloading' : undefined}>
            <Table<Group>
              data-testid="groups-table"
              rowKey={(g) => String(g.id)}
              loading={loading}
              dataSource={data.items}
              pagination={tablePaging(pager)}
              tableLayout="fixed"
              scroll={{ x: 1300 }}
              locale={{ emptyText: <span data-testid="groups-empty">{filtered ? '没有符合条件的群' : '暂无群'}</span> }}
              onChange={(_, tableFilters: Record<string, FilterValue | null>) => {
                const picked = String(tableFilters.state?.[0] ?? '')
                if (picked !== state) filter({ ...filters, state: picked })
              }}
              onRow={(g) =>
                ({
                  'data-testid': 'group-row',
                  'data-group-wxid': g.group_wxid,
                  className: 'clickable',
                  onClick: (e: React.MouseEvent) => {
                    if (!(e.target as HTMLElement).closest('a')) navigate(`/groups/${g.id}`)
                  },
                }) as React.HTMLAttributes<HTMLElement>
              }
              columns={[
                {
                  title: '群',
                  key: 'name',
                  width: 240,
                  render: (_, g) => (
                    <Space orientation="vertical" size={0} style={{ maxWidth: '100%' }}>
                      <Link to={`/groups/${g.id}`} data-testid="group-link" title={g.name || undefined}>
                        <Text ellipsis={{ tooltip: g.name }} style={{ maxWidth: 220, color: 'inherit' }}>
                          {g.name || '（未命名群）'}
                        </Text>
                      </Link>
                      <Text type="secondary" style={{ fontSize: 12 }} ellipsis>
                        {g.group_wxid}
                      </Text>
                    </Space>
                  ),
                },
                {
                  title: '群主',
                  key: 'owner',
                  width: 160,
                  render: (_, g) =>
                    g.owner_id !== null && g.owner_id !== undefined ? (
                      <Link to={`/users/${g.owner_id}`}>
                        <Text ellipsis={{ tooltip: g.owner_nickname }} style={{ maxWidth: 150, color: 'inherit' }}>
                          {g.owner_nickname || '（无昵称）'} <Text type="secondary">#{String(g.owner_id)}</Text>
                        </Text>
                      </Link>
                    ) : (
                      '—'
                    ),
                },
                {
                  title: '机器人',
                  key: 'robot',
                  width: 160,
                  render: (_, g) => (
                    <Space orientation="vertical" size={0}>
                      <Text ellipsis={{ tooltip: g.robot_nickname }} style={{ maxWidth: 150 }}>
                        {g.robot_nickname || '—'}
                      </Text>
                      <Text type="secondary" style={{ fontSize: 12 }}>
                        {g.robot_wxid}
                      </Text>
                    </Space>
                  ),
                },
                {
                  title: '状态',
                  key: 'state',
                  width: 100,
                  filters: GROUP_STATES.map((s) => ({ text: s.label, value: s.value })),
                  filterMultiple: false,
                  filteredValue: state ? [state] : null,
                  render: (_, g) => {
                    const look = groupState(g.state)
                    return (
                      <Tag color={toneColor(look.tone)} data-testid="group-state" className="nowrap">
                        {look.label}
                      </Tag>
                    )
                  },
                },
                { title: '星级', key: 'stars', width: 110, render: (_, g) => <StarRating stars={g.stars} /> },
                {
                  title: '成员',
                  dataIndex: 'member_count',
                  key: 'members',
                  width: 80,
                  align: 'right',
                  sorter: (a, b) => a.member_count - b.member_count,
                },
                {
                  title: '今日会话',
                  key: 'today',
                  width: 100,
                  align: 'right',
                  sorter: (a, b) => a.sessions_today - b.sessions_today,
                  render: (_, g) => <span data-testid="group-sessions-today">{g.sessions_today}</span>,
                },
                {
                  title: '昨日会话',
                  dataIndex: 'sessions_yesterday',
                  key: 'yesterday',
                  width: 100,
                  align: 'right',
                  sorter: (a, b) => a.sessions_yesterday - b.sessions_yesterday,
                },
                {
                  title: '退群原因',
                  key: 'exit',
                  width: 200,
                  render: (_, g) =>
                    g.exit_reason ? (
                      <Space orientation="vertical" size={0}>
                        <span data-testid="group-exit-reason">{g.exit_reason}</span>
                        <Text type="secondary" style={{ fontSize: 12 }}>
                          {formatDateTime(g.exited_at)}
                        </Text>
                      </Space>
                    ) : (
                      '—'
                    ),
                },
              ]}
            />
          </div>
        )}
      </Card>
    </>
  )
}

const STATE_OPTIONS = [{ value: '', label: '全部状态' }, ...GROUP_STATES.map((s) => ({ value: s.value, label: s.label }))]

function GroupFilters({ filters, onApply }: { filters: Filters; onApply: (filters: Filters) => void }) {
  // The draft follows the address bar (back / forward, a link from a robot or a user).
  const form = useFilterForm(filters, FILTER_DEFAULTS, parseGroupFilters, onApply)
  const { draft, setDraft } = form
  return (
    <div data-testid="groups-filters" style={{ marginBottom: 16 }}>
      <Space wrap>
        <Input
          allowClear
          value={draft.q}
          placeholder="群名 / 群微信 ID"
          aria-label="群名 / 群微信 ID"
          data-testid="groups-search"
          style={{ width: 220 }}
          onChange={(e) => setDraft({ q: e.target.value })}
          onPressEnter={() => form.apply(draft)}
        />
        <Space>
          <span>状态</span>
          <Select
            aria-label="状态"
            data-testid="groups-state"
            style={{ width: 120 }}
            value={stateFilter(draft.state)}
            options={STATE_OPTIONS}
            onChange={(state) => form.pick({ state })}
          />
        </Space>
        <Space>
          <span>机器人 ID</span>
          <Input
            aria-label="机器人 ID"
            data-testid="groups-robot-id"
            inputMode="numeric"
            style={{ width: 110 }}
            value={draft.robot_id}
            onChange={(e) => setDraft({ robot_id: e.target.value })}
            onPressEnter={() => form.apply(draft)}
          />
        </Space>
        <Space>
          <span>群主 ID</span>
          <Input
            aria-label="群主 ID"
            data-testid="groups-owner-id"
            inputMode="numeric"
            style={{ width: 110 }}
            value={draft.owner_id}
            onChange={(e) => setDraft({ owner_id: e.target.value })}
            onPressEnter={() => form.apply(draft)}
          />
        </Space>
        <Button type="primary" data-testid="groups-search-submit" onClick={() => form.apply(draft)}>
          搜索
        </Button>
        {form.clear && <Button onClick={form.clear}>清除筛选</Button>}
      </Space>
      {form.problem && (
        <Alert style={{ marginTop: 8 }} type="error" showIcon title={form.problem} data-testid="groups-filter-error" />
      )}
    </div>
  )
}
