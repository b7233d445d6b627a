// 走马灯: notices scrolling on the H5 home page between their start and end times (Beijing time).
import { useState } from 'react'
import { Alert, Button, Card, DatePicker, Form, Input, Modal, Space, Table, Tag, Typography } from 'antd'
import type { ColumnsType } from 'antd/es/table'
import type { Dayjs } from 'dayjs'
import { charCount } from '@gpet/common/content'
import { canWrite, createMarquee, deleteMarquee, listMarquees, updateMarquee, type Marquee } from '../api'
import { useAuth } from '../auth'
import { ReadOnly, useRowAction } from '../components/form'
import { useEditing, useLoad, useSubmit } from '../components/hooks'
import { LoadState } from '../components/LoadState'
import { fromPicker, pickerNow, toPicker } from '../lib/beijing'
import { formatDateTime, parseTime } from '../lib/dates'

const MAX_TEXT = 200
const DAY_MS = 86_400_000
const PICKER_FORMAT = 'YYYY-MM-DD HH:mm'

const byTime = (key: 'starts_at' | 'ends_at' | 'created_at') => (a: Marquee, b: Marquee) =>
  parseTime(a[key]) - parseTime(b[key])

type State = 'live' | 'ended' | 'waiting'
const stateOf = (m: Marquee): State => (m.live ? 'live' : parseTime(m.ends_at) <= Date.now() ? 'ended' : 'waiting')

export default function Marquees() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const deleting = useRowAction<Marquee['id']>()
  const { data, error, loading, reload } = useLoad(listMarquees, [])
  const editing = useEditing<Marquee>(reload)

  const onDelete = (m: Marquee) =>
    deleting.run(m.id, {
      confirm: { title: '删除走马灯', message: `确定删除「${m.text}」？删除后 H5 首页不再展示。`, okText: '删除', danger: true },
      act: () => deleteMarquee(m.id),
      done: '已删除',
      then: reload,
    })

  const columns: ColumnsType<Marquee> = [
    {
      title: '内容',
      dataIndex: 'text',
      render: (text: string) => <span data-testid="marquee-text-cell">{text}</span>,
    },
    {
      title: '开始时间',
      dataIndex: 'starts_at',
      width: 160,
      sorter: byTime('starts_at'),
      render: (at: string) => <span className="nowrap">{formatDateTime(at)}</span>,
    },
    {
      title: '结束时间',
      dataIndex: 'ends_at',
      width: 160,
      sorter: byTime('ends_at'),
      render: (at: string) => <span className="nowrap">{formatDateTime(at)}</span>,
    },
    {
      title: '状态',
      key: 'state',
      width: 100,
      filters: [
        { text: '展示中', value: 'live' },
        { text: '未展示', value: 'waiting' },
        { text: '已结束', value: 'ended' },
      ],
      onFilter: (value, m) => stateOf(m) === value,
      render: (_: unknown, m) =>
        m.live ? (
          <Tag color="success" data-testid="marquee-live">
            展示中
          </Tag>
        ) : (
          <Tag data-testid="marquee-idle">{stateOf(m) === 'ended' ? '已结束' : '未展示'}</Tag>
        ),
    },
    {
      title: '创建时间',
      dataIndex: 'created_at',
      width: 160,
      sorter: byTime('created_at'),
      defaultSortOrder: 'descend',
      render: (at: string) => <span className="nowrap">{formatDateTime(at)}</span>,
    },
    {
      title: '操作',
      key: 'actions',
      width: 130,
      render: (_: unknown, m) => (
        <Space size={0}>
          <Button type="link" size="small" disabled={!writable} data-testid="marquee-edit" onClick={() => editing.edit(m)}>
            编辑
          </Button>
          <Button
            type="link"
            size="small"
            danger
            disabled={!writable || deleting.busyId === m.id}
            data-testid="marquee-delete"
            onClick={() => onDelete(m)}
          >
            删除
          </Button>
        </Space>
      ),
    },
  ]

  return (
    <>
      <div className="page-head">
        <div>
          <h1>走马灯</h1>
          <p className="muted">在 H5 首页滚动展示的通知（如结算延迟），按起止时间自动上下线；时间为北京时间</p>
        </div>
        <Button type="primary" disabled={!writable} data-testid="marquee-new" onClick={() => editing.edit(null)}>
          新建走马灯
        </Button>
      </div>
      {!writable && <ReadOnly text="你的角色只能查看走马灯，不能新建、编辑或删除" />}
      <Card>
        {!data && <LoadState error={loading ? undefined : error} onRetry={reload} />}
        {data && (
          <Table<Marquee>
            data-testid="marquees-list"
            rowKey="id"
            columns={columns}
            dataSource={data}
            loading={loading}
            onRow={() => ({ 'data-testid': 'marquee-row' }) as object}
            pagination={data.length > 20 ? { pageSize: 20, showTotal: (n) => `共 ${n} 条` } : false}
            locale={{ emptyText: <span data-testid="marquees-empty">暂无走马灯</span> }}
          />
        )}
      </Card>
      {editing.open && <MarqueeForm marquee={editing.open.item} {...editing.dialog} />}
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
  const [opened] = useState(() => Math.floor(Date.now() / 60_000) * 60_000)
  const [starts, setStarts] = useState<Dayjs | null>(() => (marquee ? toPicker(marquee.starts_at) : pickerNow(opened)))
  const [ends, setEnds] = useState<Dayjs | null>(() =>
    marquee ? toPicker(marquee.ends_at) : pickerNow(opened + DAY_MS),
  )
  const { problem, setProblem, busy, submit } = useSubmit()

  const onSubmit = async () => {
    const body = { text: text.trim(), starts_at: fromPicker(starts), ends_at: fromPicker(ends) }
    const invalid = validate(body.text, body.starts_at, body.ends_at)
    setProblem(invalid)
    if (invalid) return
    await submit(() => (marquee ? updateMarquee(marquee.id, body) : createMarquee(body)), {
      done: marquee ? '已保存' : '已创建',
      then: onSaved,
    })
  }

  return (
    <Modal
      open
      title={marquee ? '编辑走马灯' : '新建走马灯'}
      width={560}
      onCancel={onClose}
      onOk={onSubmit}
      okText={busy ? '保存中…' : '保存'}
      cancelText="取消"
      okButtonProps={{ loading: busy, 'data-testid': 'marquee-submit' }}
      maskClosable={!busy}
      modalRender={(node) => <div data-testid="marquee-form">{node}</div>}
    >
      <Form layout="vertical" onFinish={onSubmit}>
        <Form.Item label="内容" extra={`${charCount(text.trim())} / ${MAX_TEXT}`}>
          <Input.TextArea
            rows={3}
            value={text}
            autoFocus
            data-testid="marquee-text"
            placeholder="例如：今日收益结算延迟，预计 12:00 前到账"
            onChange={(e) => setText(e.target.value)}
          />
        </Form.Item>
        <Space size={16} wrap>
          <Form.Item label="开始时间（北京时间）" htmlFor="marquee-starts">
            <DatePicker
              id="marquee-starts"
              showTime={{ format: 'HH:mm' }}
              format={PICKER_FORMAT}
              value={starts}
              allowClear={false}
              onChange={setStarts}
            />
          </Form.Item>
          <Form.Item label="结束时间（北京时间）" htmlFor="marquee-ends">
            <DatePicker
              id="marquee-ends"
              showTime={{ format: 'HH:mm' }}
              format={PICKER_FORMAT}
              value={ends}
              allowClear={false}
              onChange={setEnds}
            />
          </Form.Item>
        </Space>
        <Typography.Text type="secondary" className="small">
          到了开始时间自动在 H5 首页展示，到了结束时间自动下线
        </Typography.Text>
        {problem && (
          <Alert type="error" showIcon title={problem} data-testid="marquee-submit-error" style={{ marginTop: 12 }} />
        )}
      </Form>
    </Modal>
  )
}
