// 死信: messages the consumers gave up on (moved to a dead-letter queue and collected here), with
// their bodies, and a redrive back to their queue.
import { useState } from 'react'
import { Alert, AutoComplete, Button, Card, Input, Space, Table, Tag, Typography } from 'antd'
import { canWrite, redriveDeadLetter, listDeadLetters, type DeadLetter } from '../api'
import { useAuth } from '../auth'
import { tablePaging, useAntAction, useDraft, usePagedList } from '../components/hooks'
import { LoadState } from '../components/LoadState'
import { formatDateTime } from '../lib/dates'
import { messageBody } from '../lib/text'

const FILTER_DEFAULTS = { queue: '' }

export default function DeadLetters() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const redriving = useAntAction<DeadLetter['id']>()
  const list = usePagedList(FILTER_DEFAULTS, ({ queue }, paging) => listDeadLetters({ queue, ...paging }))
  const { filters, filter, reload, data, error, loading, pager } = list
  const queues = [...new Set((data?.items ?? []).map((d) => d.queue))].sort()

  const onRedrive = (item: DeadLetter) =>
    redriving.run(item.id, {
      confirm: {
        title: '重新投递',
        content: `将消息 ${item.message_id} 重新投递到队列「${item.queue}」？消费端会再次处理它。`,
        okText: '重新投递',
      },
      act: () => redriveDeadLetter(item.id),
      done: '已重新投递',
      then: reload,
    })

  return (
    <>
      <div className="page-head">
        <div>
          <Typography.Title level={3}>死信</Typography.Title>
          <Typography.Text type="secondary">多次处理失败而进入死信队列的消息；处理好原因后可重新投递</Typography.Text>
        </div>
      </div>
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 16 }}
        data-testid="dead-letters-explain"
        title="这是什么"
        description={
          <>
            {'后台队列里的消息（打款、埋点、群消息等）处理失败会自动重试；同一条消息失败 5 次后移入死信队列，保留 14 天。'}
            {'本页没有定时任务：每次打开或刷新时从死信队列收取并列出。先看消息内容、排除原因（如微信支付故障已恢复），'}
            {'再点“重新投递”，消息回到原队列再处理一次。'}
          </>
        }
      />
      {!writable && (
        <Alert type="info" showIcon style={{ marginBottom: 16 }} title="当前角色只能查看，不能修改。" data-testid="readonly-note" />
      )}
      <Card>
        <QueueFilter queue={filters.queue} queues={queues} onApply={(queue) => filter({ queue })} />
        {!data ? (
          <LoadState error={error} onRetry={reload} />
        ) : (
          <div data-testid="dead-letters-list" className={loading ? 'is-reloading' : undefined}>
            <Table<DeadLetter>
              data-testid="dead-letters-table"
              rowKey={(d) => String(d.id)}
              loading={loading}
              dataSource={data.items}
              pagination={tablePaging(pager)}
              scroll={{ x: 'max-content' }}
              locale={{
                emptyText: <span data-testid="dead-letters-empty">{filters.queue ? '该队列没有死信' : '暂无死信'}</span>,
              }}
              onRow={(d) =>
                ({ 'data-testid': 'dead-letter-row', 'data-message-id': d.message_id }) as React.HTMLAttributes<HTMLElement>
              }
              columns={[
                { title: '队列', key: 'queue', render: (_, d) => <Typography.Text code>{d.queue}</Typography.Text> },
                { title: '消息 ID', dataIndex: 'message_id', key: 'message_id' },
                {
                  title: '收到时间',
                  key: 'received',
                  className: 'nowrap',
                  render: (_, d) => formatDateTime(d.received_at, true),
                  sorter: (a, b) => Date.parse(a.received_at) - Date.parse(b.received_at),
                },
                {
                  title: '接收次数',
                  dataIndex: 'receive_count',
                  key: 'count',
                  align: 'right',
                  sorter: (a, b) => a.receive_count - b.receive_count,
                },
                { title: '消息内容', key: 'body', width: 420, render: (_, d) => <Body item={d} /> },
                {
                  title: '重新投递',
                  key: 'redriven',
                  className: 'nowrap',
                  filters: [
                    { text: '已重新投递', value: true },
                    { text: '未重新投递', value: false },
                  ],
                  onFilter: (value, d) => Boolean(d.redriven_at) === value,
                  render: (_, d) =>
                    d.redriven_at ? (
                      <Space orientation="vertical" size={0}>
                        <Tag color="success" data-testid="dead-letter-redriven">
                          已重新投递
                        </Tag>
                        <Typography.Text type="secondary">{formatDateTime(d.redriven_at, true)}</Typography.Text>
                      </Space>
                    ) : (
                      '—'
                    ),
                },
                ...(writable
                  ? [
                      {
                        title: '操作',
                        key: 'actions',
                        render: (_: unknown, d: DeadLetter) =>
                          !d.redriven_at && (
                            <Button
                              type="link"
                              size="small"
                              data-testid="dead-letter-redrive"
                              disabled={redriving.busyId === d.id}
                              onClick={() => onRedrive(d)}
                            >
                              重新投递
                            </Button>
                          ),
                      },
                    ]
                  : []),
              ]}
            />
          </div>
        )}
      </Card>
    </>
  )
}

function QueueFilter({ queue, queues, onApply }: { queue: string; queues: string[]; onApply: (queue: string) => void }) {
  const [draft, setDraft] = useDraft({ queue })
  return (
    <Space wrap style={{ marginBottom: 16 }}>
      <span>队列</span>
      <AutoComplete
        value={draft.queue}
        options={queues.map((q) => ({ value: q }))}
        placeholder="全部队列"
        aria-label="队列"
        style={{ width: 260 }}
        onChange={(value: string) => setDraft({ queue: value })}
      >
        <Input data-testid="dead-letters-queue" allowClear onPressEnter={() => onApply(draft.queue.trim())} />
      </AutoComplete>
      <Button type="primary" data-testid="dead-letters-queue-submit" onClick={() => onApply(draft.queue.trim())}>
        查询
      </Button>
      {queue && <Button onClick={() => onApply('')}>清除筛选</Button>}
    </Space>
  )
}

function Body({ item }: { item: DeadLetter }) {
  const [open, setOpen] = useState(false)
  const body = messageBody(item.body, 100)
  if (open)
    return (
      <div>
        <pre className="json" data-testid="dead-letter-body-full">
          {body.pretty}
        </pre>
        <Button type="link" size="small" onClick={() => setOpen(false)}>
          收起
        </Button>
      </div>
    )
  return (
    <Button
      type="link"
      size="small"
      title="点击展开"
      data-testid="dead-letter-body"
      style={{ padding: 0, height: 'auto', whiteSpace: 'normal', textAlign: 'left' }}
      onClick={() => setOpen(true)}
    >
      <Typography.Text code>{body.line || '（空）'}</Typography.Text>
    </Button>
  )
}
