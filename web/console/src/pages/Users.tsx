// 用户: the owners, searchable by id, nickname, invite code or full phone, filtered by frozen.
import { Link } from 'react-router-dom'
import { listUsers } from '../api'
import { usePagedList, useRowLink } from '../components/hooks'
import { Avatar, FilterSelect, InlineField, ListFrame, PageHead, SearchBox, Table, Tag } from '../components/ui'
import { formatDateTime } from '../lib/dates'

const FILTER_DEFAULTS = { q: '', frozen: '' }

const FROZEN_OPTIONS = [
  { value: 'false', label: '正常' },
  { value: 'true', label: '已冻结' },
]

const frozenFilter = (value: string) => (value === 'true' || value === 'false' ? value : '')

export default function Users() {
  const openRow = useRowLink()
  const list = usePagedList(FILTER_DEFAULTS, ({ q, frozen }, paging) =>
    listUsers({ q, frozen: frozenFilter(frozen), ...paging }),
  )
  const { filters, filter } = list
  const frozen = frozenFilter(filters.frozen)

  return (
    <>
      <PageHead title="用户" hint="群主列表：可按 ID、昵称、邀请码或完整手机号搜索" />
      <section className="card">
        <div className="toolbar">
          <SearchBox
            value={filters.q}
            placeholder="ID / 昵称 / 邀请码 / 手机号"
            testId="users-search"
            onSearch={(q) => filter({ q })}
          />
          <InlineField label="状态">
            <FilterSelect
              value={frozen}
              options={FROZEN_OPTIONS}
              testId="users-frozen"
              onChange={(value) => filter({ frozen: value })}
            />
          </InlineField>
        </div>
        <ListFrame
          list={list}
          testId="users-list"
          empty={{ text: filters.q || frozen ? '没有符合条件的用户' : '暂无用户', testId: 'users-empty' }}
        >
          {(data) => (
            <Table
              testId="users-table"
              columns={['ID', '用户', '手机号', '实名', '邀请码', '师傅 ID', '状态', '注册时间', '最近登录']}
              items={data.items}
              row={(u) => (
                <tr
                  key={u.id}
                  className="clickable"
                  data-testid="user-row"
                  onClick={openRow(`/users/${u.id}`)}
                >
                  <td className="mono">{u.id}</td>
                  <td>
                    <Link to={`/users/${u.id}`} className="user-cell" data-testid="user-link">
                      <Avatar url={u.avatar_url} name={u.nickname} />
                      <span>{u.nickname || '（无昵称）'}</span>
                    </Link>
                  </td>
                  <td className="mono">{u.phone ?? <span className="muted">未绑定</span>}</td>
                  <td>{u.identity_verified ? <Tag tone="success">已实名</Tag> : <span className="muted">未实名</span>}</td>
                  <td className="mono">{u.invite_code}</td>
                  <td className="mono">{u.master_id ?? <span className="muted">—</span>}</td>
                  <td>
                    <span className="tags">
                      {u.frozen ? <Tag tone="danger">已冻结</Tag> : <Tag tone="success">正常</Tag>}
                      {u.snapshot && <Tag tone="warning">快照</Tag>}
                    </span>
                  </td>
                  <td className="nowrap">{formatDateTime(u.created_at)}</td>
                  <td className="nowrap">{formatDateTime(u.last_login_at)}</td>
                </tr>
              )}
            />
          )}
        </ListFrame>
      </section>
    </>
  )
}
