// 用户: the owners, searchable by id, nickname, invite code or full phone, filtered by frozen.
import { useEffect, useState } from 'react'
import { Link, useNavigate } from 'react-router-dom'
import { Avatar, Button, Card, Input, Select, Space, Table, Tag, Typography } from 'antd'
import { listUsers, type UserRow } from '../api'
import { tablePaging, usePagedList } from '../components/hooks'
import { LoadState } from '../components/LoadState'
import { formatDateTime } from '../lib/dates'

const FILTER_DEFAULTS = { q: '', frozen: '' }

const FROZEN_OPTIONS = [
  { value: '', label: '全部' },
  { value: 'false', label: '正常' },
  { value: 'true', label: '已冻结' },
]

const frozenFilter = (value: string) => (value === 'true' || value === 'false' ? value : '')

export default function Users() {
  const navigate = useNavigate()
  const list = usePagedList(FILTER_DEFAULTS, ({ q, frozen }, paging) =>
    listUsers({ q, frozen: frozenFilter(frozen), ...paging }),
  )
  const { filters, filter, data, error, loading, reload, pager } = list
  const frozen = frozenFilter(filters.frozen)
  const [q, setQ] = useState(filters.q)
  // The box follows the address bar (back / forward).
  useEffect(() => setQ(filters.q), [filters.q])

  return (
    <>
      <div className="page-head">
        <div>
          <Typography.Title level={3}>用户</Typography.Title>
          <Typography.Text type="secondary">群主列表：可按 ID、昵称、邀请码或完整手机号搜索</Typography.Text>
        </div>
      </div>
      <Card>
        <Space wrap style={{ marginBottom: 16 }}>
          <Space.Compact>
            <Input
              allowClear
              value={q}
              placeholder="ID / 昵称 / 邀请码 / 手机号"
              aria-label="搜索用户"
              data-testid="users-search"
              style={{ width: 260 }}
              onChange={(e) => {
                setQ(e.target.value)
                if (!e.target.value && filters.q) filter({ q: '' })
              }}
              onPressEnter={() => filter({ q: q.trim() })}
            />
            <Button type="primary" data-testid="users-search-submit" onClick={() => filter({ q: q.trim() })}>
              搜索
            </Button>
          </Space.Compact>
          <Space>
            <span>状态</span>
            <Select
              value={frozen}
              options={FROZEN_OPTIONS}
              aria-label="状态"
              data-testid="users-frozen"
              style={{ width: 120 }}
              onChange={(value) => filter({ frozen: value })}
            />
          </Space>
        </Space>
        {!data ? (
          <LoadState error={error} onRetry={reload} />
        ) : (
          <div data-testid="users-list" className={loading ? 'is-reloading' : undefined}>
            <Table<UserRow>
              data-testid="users-table"
              rowKey={(u) => String(u.id)}
              loading={loading}
              dataSource={data.items}
              pagination={tablePaging(pager)}
              scroll={{ x: 'max-content' }}
              locale={{ emptyText: <span data-testid="users-empty">{filters.q || frozen ? '没有符合条件的用户' : '暂无用户'}</span> }}
              onRow={(u) =>
                ({
                  'data-testid': 'user-row',
                  className: 'clickable',
                  onClick: (e: React.MouseEvent) => {
                    if (!(e.target as HTMLElement).closest('a')) navigate(`/users/${u.id}`)
                  },
                }) as React.HTMLAttributes<HTMLElement>
              }
              columns={[
                { title: 'ID', key: 'id', render: (_, u) => <Typography.Text code>{String(u.id)}</Typography.Text> },
                {
                  title: '用户',
                  key: 'user',
                  render: (_, u) => (
                    <Link to={`/users/${u.id}`} data-testid="user-link">
                      <Space size={6}>
                        <Avatar size={28} src={u.avatar_url || undefined}>
                          {[...(u.nickname || '?')][0]}
                        </Avatar>
                        <span className="ellipsis" title={u.nickname}>
                          {u.nickname || '（无昵称）'}
                        </span>
                      </Space>
                    </Link>
                  ),
                },
                { title: '手机号', key: 'phone', render: (_, u) => u.phone ?? <Typography.Text type="secondary">未绑定</Typography.Text> },
                {
                  title: '实名',
                  key: 'identity',
                  render: (_, u) =>
                    u.identity_verified ? <Tag color="success">已实名</Tag> : <Typography.Text type="secondary">未实名</Typography.Text>,
                },
                { title: '邀请码', dataIndex: 'invite_code', key: 'invite' },
                { title: '师傅 ID', key: 'master', render: (_, u) => (u.master_id == null ? '—' : String(u.master_id)) },
                {
                  title: '状态',
                  key: 'state',
                  render: (_, u) => (
                    <Space size={4}>
                      {u.frozen ? <Tag color="error">已冻结</Tag> : <Tag color="success">正常</Tag>}
                      {u.snapshot && <Tag color="warning">快照</Tag>}
                    </Space>
                  ),
                },
                { title: '注册时间', key: 'created', render: (_, u) => formatDateTime(u.created_at), className: 'nowrap' },
                { title: '最近登录', key: 'login', render: (_, u) => formatDateTime(u.last_login_at), className: 'nowrap' },
              ]}
            />
          </div>
        )}
      </Card>
    </>
  )
}
