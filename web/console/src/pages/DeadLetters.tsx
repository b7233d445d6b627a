// 死信: messages the consumers gave up on (moved to a dead-letter queue and drained here), with
// their bodies, and a redrive back to their queue.
import { useState } from 'react'
import { canWrite, redriveDeadLetter, listDeadLetters, type DeadLetter } from '../api'
import { useAuth } from '../auth'
import { useConfirmedAction, useDraft, usePagedList } from '../components/hooks'
import { ACTIONS, FilterBar, InlineField, ListFrame, PageHead, RowAction, Table, Tag, numeric } from '../components/ui'
import { formatDateTime } from '../lib/dates'
import { messageBody } from '../lib/text'

const FILTER_DEFAULTS = { queue: '' }

export default function DeadLetters() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const redriving = useConfirmedAction<DeadLetter['id']>()
  const list = usePagedList(FILTER_DEFAULTS, ({ queue }, paging) => listDeadLetters({ queue, ...paging }))
  const { filters, filter, reload, data } = list
  const queues = [...new Set((data?.items ?? []).map((d) => d.queue))].sort()

  const onRedrive = (item: DeadLetter) =>
    redriving.run(item.id, {
      confirm: {
        title: '重新投递',
        message: `将消息 ${item.message_id} 重新投递到队列「${item.queue}」？消费端会再次处理它。`,
        okText: '重新投递',
      },
      act: () => redriveDeadLetter(item.id),
      done: '已重新投递',
      then: reload,
    })

  return (
    <>
      <PageHead title="死信" hint="多次处理失败而进入死信队列的消息；处理好原因后可重新投递" writable={writable} />
      <section className="card">
        <QueueFilter queue={filters.queue} queues={queues} onApply={(queue) => filter({ queue })} />
        <ListFrame
          list={list}
          testId="dead-letters-list"
          empty={{ text: filters.queue ? '该队列没有死信' : '暂无死信', testId: 'dead-letters-empty' }}
        >
          {(page) => (
            <Table
              testId="dead-letters-table"
              columns={['队列', '消息 ID', '收到时间', numeric('接收次数'), '消息内容', '重新投递', writable && ACTIONS]}
              items={page.items}
              row={(item) => (
                <DeadLetterRow
                  key={item.id}
                  item={item}
                  writable={writable}
                  busy={redriving.busyId === item.id}
                  onRedrive={() => onRedrive(item)}
                />
              )}
            />
          )}
        </ListFrame>
      </section>
      {redriving.dialog}
    </>
  )
}

function QueueFilter({ queue, queues, onApply }: { queue: string; queues: string[]; onApply: (queue: string) => void }) {
  const [draft, setDraft] = useDraft({ queue })
  return (
    <FilterBar
      onSubmit={() => onApply(draft.queue.trim())}
      submitTestId="dead-letters-queue-submit"
      onClear={queue ? () => onApply('') : undefined}
    >
      <InlineField label="队列">
        <input
          value={draft.queue}
          list="dead-letter-queues"
          placeholder="全部队列"
          data-testid="dead-letters-queue"
          onChange={(e) => setDraft({ queue: e.target.value })}
        />
        <datalist id="dead-letter-queues">
          {queues.map((q) => (
            <option key={q} value={q} />
          ))}
        </datalist>
      </InlineField>
    </FilterBar>
  )
}

function DeadLetterRow({
  item,
  writable,
  busy,
  onRedrive,
}: {
  item: DeadLetter
  writable: boolean
  busy: boolean
  onRedrive: () => void
}) {
  const [open, setOpen] = useState(false)
  const body = messageBody(item.body, 100)
  return (
    <tr data-testid="dead-letter-row" data-message-id={item.message_id}>
      <td>
        <code className="code-tag nowrap">{item.queue}</code>
      </td>
      <td className="mono">{item.message_id}</td>
      <td className="nowrap">{formatDateTime(item.received_at, true)}</td>
      <td className="num">{item.receive_count}</td>
      <td className="detail-cell">
        {open ? (
          <div>
            <pre className="json" data-testid="dead-letter-body-full">
              {body.pretty}
            </pre>
            <button className="btn btn-link" onClick={() => setOpen(false)}>
              收起
            </button>
          </div>
        ) : (
          <button className="json-compact" title="点击展开" data-testid="dead-letter-body" onClick={() => setOpen(true)}>
            {body.line || '（空）'}
          </button>
        )}
      </td>
      <td className="nowrap">
        {item.redriven_at ? (
          <span className="stack">
            <Tag tone="success" testId="dead-letter-redriven">
              已重新投递
            </Tag>
            <span className="muted small">{formatDateTime(item.redriven_at, true)}</span>
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      {writable && (
        <td className="actions">
          {!item.redriven_at && (
            <RowAction testId="dead-letter-redrive" disabled={busy} onClick={onRedrive}>重新投递</RowAction>
          )}
        </td>
      )}
    </tr>
  )
}
