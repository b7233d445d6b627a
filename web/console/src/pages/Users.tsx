// 用户: the owners, searchable by id, nickname, invite code or full phone, filtered by frozen.
import { Link, useNavigate } from 'react-router-dom'
import { listUsers } from '../api'
import { usePagedList } from '../components/hooks'
import { Avatar, ListFrame, PageHead, SearchBox, Tag } from '../components/ui'
import { formatDateTime } from '../lib/dates'

const FILTER_DEFAULTS = { q: '', frozen: '' }

const frozenFilter = (value: string) => (value === 'true' || value === 'false' ? value : '')

export default function Users() {
  const navigate = useNavigate()
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
          <label className="inline-field">
            <span>状态</span>
            <select
              value={frozen}
              data-testid="users-frozen"
              onChange={(e) => filter({ frozen: e.target.value })}
            >
              <option value="">全部</option>
              <option value="false">正常</option>
              <option value="true">已冻结</option>
            </select>
          </label>
        </div>
        <ListFrame
          list={list}
          testId="users-list"
          empty={{ text: filters.q || frozen ? '没有符合条件的用户' : '暂无用户', testId: 'users-empty' }}
        >
          {(data) => (
            <table className="table" data-testid="users-table">
              <thead>
                <tr>
                  <th>ID</th>
                  <th>用户</th>
                  <th>手机号</th>
                  <th>实名</th>
                  <th>邀请码</th>
                  <th>师傅 ID</th>
                  <th>状态</th>
                  <th>注册时间</th>
                  <th>最近登录</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((u) => (
                  <tr
                    key={u.id}
                    className="clickable"
                    data-testid="user-row"
                    onClick={(e) => {
                      if (!(e.target as HTMLElement).closest('a')) navigate(`/users/${u.id}`)
                    }}
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
                ))}
              </tbody>
            </table>
          )}
        </ListFrame>
      </section>
    </>
  )
}
