// 走马灯: notices scrolling on the H5 home page between their start and end times.
import { useState, type FormEvent } from 'react'
import { charCount } from '@gpet/common/content'
import {
  canWrite,
  createMarquee,
  deleteMarquee,
  listMarquees,
  updateMarquee,
  type Marquee,
} from '../api'
import { useAuth } from '../auth'
import { useConfirmedAction, useEditing, useLoad, useSubmit } from '../components/hooks'
import { ACTIONS, Field, FormFooter, ListFrame, Modal, PageHead, RowAction, Table, Tag } from '../components/ui'
import { formatDateTime, localInputAt, localInputToRfc3339, parseTime, rfc3339ToLocalInput } from '../lib/dates'

const MAX_TEXT = 200
const DAY_MS = 86_400_000

export default function Marquees() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const deleting = useConfirmedAction<Marquee['id']>()
  const list = useLoad(listMarquees, [])
  const { reload } = list
  const editing = useEditing<Marquee>(reload)

  const onDelete = (m: Marquee) =>
    deleting.run(m.id, {
      confirm: { title: '删除走马灯', message: `确定删除「${m.text}」？`, okText: '删除', danger: true },
      act: () => deleteMarquee(m.id),
      done: '已删除',
      then: reload,
    })

  return (
    <>
      <PageHead
        title="走马灯"
        hint="在 H5 首页滚动展示的通知（如结算延迟），按起止时间自动上下线；时间为北京时间"
        writable={writable}
        create={{ text: '新建走马灯', testId: 'marquee-new', onClick: () => editing.edit(null) }}
      />
      <section className="card">
        <ListFrame list={list} testId="marquees-list" empty={{ text: '暂无走马灯', testId: 'marquees-empty' }}>
          {(data) => (
            <Table
              testId="marquees-table"
              columns={['内容', '开始时间', '结束时间', '状态', '创建时间', writable && ACTIONS]}
              items={data}
              row={(m) => (
                <tr key={m.id} data-testid="marquee-row">
                  <td className="wrap" data-testid="marquee-text-cell">
                    {m.text}
                  </td>
                  <td className="nowrap">{formatDateTime(m.starts_at)}</td>
                  <td className="nowrap">{formatDateTime(m.ends_at)}</td>
                  <td>
                    {m.live ? (
                      <Tag tone="success" testId="marquee-live">
                        展示中
                      </Tag>
                    ) : (
                      <Tag testId="marquee-idle">{parseTime(m.ends_at) <= Date.now() ? '已结束' : '未展示'}</Tag>
                    )}
                  </td>
                  <td className="nowrap">{formatDateTime(m.created_at)}</td>
                  {writable && (
                    <td className="actions">
                      <RowAction testId="marquee-edit" onClick={() => editing.edit(m)}>编辑</RowAction>
                      <RowAction
                        testId="marquee-delete"
                        danger
                        disabled={deleting.busyId === m.id}
                        onClick={() => onDelete(m)}
                      >
                        删除
                      </RowAction>
                    </td>
                  )}
                </tr>
              )}
            />
          )}
        </ListFrame>
      </section>
      {editing.open && <MarqueeForm marquee={editing.open.item} {...editing.dialog} />}
      {deleting.dialog}
    </>
  )
}

/** What is wrong with the form, or '' when it may be sent. */
function validate(text: string, startsAt: string, endsAt: string): string {
  if (!text.trim()) return '请输入内容'
  if (charCount(text.trim()) > MAX_TEXT) return `内容不能超过 ${MAX_TEXT} 个字`
  if (!startsAt || !endsAt) return '请选择开始和结束时间'
  if (parseTime(endsAt) <= parseTime(startsAt)) return '结束时间须晚于开始时间'
  return ''
}

function MarqueeForm({
  marquee,
  onClose,
  onSaved,
}: {
  marquee: Marquee | null
  onClose: () => void
  onSaved: () => void
}) {
  const [text, setText] = useState(marquee?.text ?? '')
  // A new marquee starts now (to the minute) and runs for a day.
  const [opened] = useState(() => Date.now())
  const [starts, setStarts] = useState(() => (marquee ? rfc3339ToLocalInput(marquee.starts_at) : localInputAt(opened)))
  const [ends, setEnds] = useState(() => (marquee ? rfc3339ToLocalInput(marquee.ends_at) : localInputAt(opened + DAY_MS)))
  const { problem, setProblem, busy, submit } = useSubmit()

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
    const body = { text: text.trim(), starts_at: localInputToRfc3339(starts), ends_at: localInputToRfc3339(ends) }
    const invalid = validate(body.text, body.starts_at, body.ends_at)
    setProblem(invalid)
    if (invalid) return
    await submit(() => (marquee ? updateMarquee(marquee.id, body) : createMarquee(body)), {
      done: marquee ? '已保存' : '已创建',
      then: onSaved,
    })
  }

  return (
    <Modal title={marquee ? '编辑走马灯' : '新建走马灯'} onClose={onClose} testId="marquee-form" width={520}>
      <form onSubmit={onSubmit} noValidate>
        <Field label="内容" hint={`${charCount(text.trim())} / ${MAX_TEXT}`}>
          <textarea
            rows={3}
            value={text}
            autoFocus
            data-testid="marquee-text"
            placeholder="例如：今日收益结算延迟，预计 12:00 前到账"
            onChange={(e) => setText(e.target.value)}
          />
        </Field>
        <div className="field-row">
          <Field label="开始时间（北京时间）">
            <input
              type="datetime-local"
              value={starts}
              data-testid="marquee-starts"
              onChange={(e) => setStarts(e.target.value)}
            />
          </Field>
          <Field label="结束时间（北京时间）">
            <input
              type="datetime-local"
              value={ends}
              data-testid="marquee-ends"
              onChange={(e) => setEnds(e.target.value)}
            />
          </Field>
        </div>
        <FormFooter problem={problem} busy={busy} onCancel={onClose} testId="marquee-submit" />
      </form>
    </Modal>
  )
}
