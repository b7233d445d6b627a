// 操作日志: every operator action that changed data, newest first, in Chinese: actions by name,
// changes as "字段（中文名）: 旧值 → 新值", times in Beijing time.
import { useEffect, useState, type HTMLAttributes } from 'react'
import { Button, Card, Empty, Form, Input, Select, Space, Table, Tag, Typography } from 'antd'
import type { ColumnsType } from 'antd/es/table'
import { listAuditLog, type AuditEntry } from '../api'
import { usePagedList } from '../components/hooks'
import { LoadState } from '../components/LoadState'
import { ACTION_OPTIONS, actionLabel, detailLines, entrySubject, targetText } from '../lib/audit'
import { formatDateTime } from '../lib/dates'

const FILTER_DEFAULTS = { operator: '', action: '' }

function Detail({ entry }: { entry: AuditEntry }) {
  const lines = detailLines(entry.detail, entrySubject(entry.action, entry.target))
  if (lines.length === 0) return <Typography.Text type="secondary">—</Typography.Text>
  return (
    <ul className="audit-detail" data-testid="audit-detail">
      {lines.map((line) => (
        <li key={line.key || line.label}>
          <Typography.Text type="secondary">{line.label}: </Typography.Text>
          {line.value !== undefined ? (
            <span>{line.value}</span>
          ) : (
            <span>
              <Typography.Text delete type="secondary">
                {line.before}
              </Typography.Text>
              {' → '}
              <Typography.Text strong>{line.after}</Typography.Text>
            </span>
          )}
        </li>
      ))}
    </ul>
  )
}

const COLUMNS: ColumnsType<AuditEntry> = [
  {
    title: '时间（北京时间）',
    dataIndex: 'at',
    width: 180,
    render: (at: string) => <span className="nowrap">{formatDateTime(at, true)}</span>,
  },
  {
    title: '操作员',
    dataIndex: 'operator',
    width: 120,
    render: (operator: string | null) => operator ?? <Typography.Text type="secondary">系统</Typography.Text>,
  },
  {
    title: '动作',
    dataIndex: 'action',
    width: 150,
    render: (action: string) => (
      <Tag color="blue" title={action} data-testid="audit-action-label">
        {actionLabel(action)}
      </Tag>
    ),
  },
  {
    title: '对象',
    dataIndex: 'target',
    width: 120,
    render: (target: unknown, entry) => targetText(entry.action, target),
  },
  { title: '详情', dataIndex: 'detail', render: (_: unknown, entry) => <Detail entry={entry} /> },
]

export default function AuditLog() {
  const list = usePagedList(FILTER_DEFAULTS, (filters, paging) => listAuditLog({ ...filters, ...paging }))
  const { filters, filter, data, error, loading, reload, pager } = list
  const [operator, setOperator] = useState(filters.operator)
  // Follows the address bar (back / forward).
  useEffect(() => setOperator(filters.operator), [filters.operator])
  const filtered = !!(filters.operator || filters.action)

  return (
    <>
      <div className="page-head">
        <div>
          <h1>操作日志</h1>
          <p className="muted">操作员每一次修改数据的操作：谁、在什么时间（北京时间）、把什么从什么改成了什么</p>
        </div>
      </div>
      <Card>
        <Form layout="inline" style={{ marginBottom: 16, rowGap: 8 }} onFinish={() => filter({ operator: operator.trim() })}>
          <Form.Item label="操作员">
            <Input
              value={operator}
              allowClear
              placeholder="操作员用户名"
              data-testid="audit-operator"
              onChange={(e) => setOperator(e.target.value)}
            />
          </Form.Item>
          <Form.Item label="动作">
            <Select
              value={filters.action || undefined}
              allowClear
              showSearch={{ optionFilterProp: 'label' }}
              placeholder="全部动作"
              style={{ width: 200 }}
              options={ACTION_OPTIONS}
              data-testid="audit-action"
              onChange={(action?: string) => filter({ action: action ?? '', operator: operator.trim() })}
            />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit" data-testid="audit-filter-submit">
                查询
              </Button>
              {filtered && (
                <Button
                  onClick={() => {
                    setOperator('')
                    filter({ operator: '', action: '' })
                  }}
                >
                  清除筛选
                </Button>
              )}
            </Space>
          </Form.Item>
        </Form>
        {!data && <LoadState error={loading ? undefined : error} onRetry={reload} />}
        {data && (
          <Table<AuditEntry>
            data-testid="audit-table"
            rowKey="id"
            size="middle"
            columns={COLUMNS}
            dataSource={data.items}
            loading={loading}
            onRow={() => ({ 'data-testid': 'audit-row' }) as HTMLAttributes<HTMLElement>}
            locale={{
              emptyText: (
                <Empty
                  data-testid="audit-empty"
                  description={filtered ? '没有符合条件的操作记录' : '暂无操作记录'}
                />
              ),
            }}
            pagination={
              !!pager && {
                current: pager.page,
                pageSize: pager.pageSize,
                total: pager.total,
                showSizeChanger: false,
                showTotal: (total) => `共 ${total} 条`,
                onChange: pager.onChange,
              }
            }
          />
        )}
      </Card>
    </>
  )
}
