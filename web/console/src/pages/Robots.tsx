// 机器人: the robots owners take into their groups — register, edit, enable / disable, and see
// today's use (snapshot free places, distributed, displayed, activated).
import { useEffect, useState } from 'react'
import { Link } from 'react-router-dom'
import { App as AntApp, Alert, Button, Card, Form, Input, InputNumber, Modal, Space, Switch, Table, Tag, Typography } from 'antd'
import { canWrite, createRobot, listRobots, updateRobot, type Robot } from '../api'
import { useAuth } from '../auth'
import { tablePaging, useAntSubmit, useEditing, usePagedList } from '../components/hooks'
import { LoadState } from '../components/LoadState'
import { formatDateTime } from '../lib/dates'
import {
  EMPTY_ROBOT_FORM,
  MAX_CAPACITY,
  MIN_CAPACITY,
  formToRobotCreate,
  formToRobotUpdate,
  isHttpUrl,
  robotToForm,
  usageParts,
  type RobotForm,
} from '../lib/robots'

const FILTER_DEFAULTS = { q: '' }

const { Text } = Typography

export default function Robots() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const list = usePagedList(FILTER_DEFAULTS, ({ q }, paging) => listRobots({ q, ...paging }))
  const { filters, filter, reload, data, error, loading, pager } = list
  const editing = useEditing<Robot>(reload)
  const [q, setQ] = useState(filters.q)
  useEffect(() => setQ(filters.q), [filters.q])

  return (
    <>
      <div className="page-head">
        <div>
          <Typography.Title level={3}>机器人</Typography.Title>
          <Text type="secondary">空余位置 = 容量 − 所在的群数；今日使用按每日快照的空余位置统计（分配 / 展示 / 激活）</Text>
        </div>
        {writable && (
          <Button type="primary" data-testid="robot-new" onClick={() => editing.edit(null)}>
            新增机器人
          </Button>
        )}
      </div>
      {!writable && (
        <Alert type="info" showIcon style={{ marginBottom: 16 }} title="当前角色只能查看，不能修改。" data-testid="readonly-note" />
      )}
      <Card>
        <Space.Compact style={{ marginBottom: 16 }}>
          <Input
            allowClear
            value={q}
            placeholder="微信 ID / 昵称 / 平台 ID"
            aria-label="搜索机器人"
            data-testid="robots-search"
            style={{ width: 260 }}
            onChange={(e) => {
              setQ(e.target.value)
              if (!e.target.value && filters.q) filter({ q: '' })
            }}
            onPressEnter={() => filter({ q: q.trim() })}
          />
          <Button type="primary" data-testid="robots-search-submit" onClick={() => filter({ q: q.trim() })}>
            搜索
          </Button>
        </Space.Compact>
        {!data ? (
          <LoadState error={error} onRetry={reload} />
        ) : (
          <div data-testid="robots-list" className={loading ? 'is-reloading' : undefined}>
            <Table<Robot>
              data-testid="robots-table"
              rowKey={(r) => String(r.id)}
              loading={loading}
              dataSource={data.items}
              pagination={tablePaging(pager)}
              scroll={{ x: 'max-content' }}
              locale={{ emptyText: <span data-testid="robots-empty">{filters.q ? '没有匹配的机器人' : '暂无机器人'}</span> }}
              onRow={(r) => ({ 'data-testid': 'robot-row', 'data-wxid': r.wxid }) as React.HTMLAttributes<HTMLElement>}
              columns={[
                { title: '二维码', key: 'qr', render: (_, r) => <QrThumb url={r.qr_code_url} /> },
                {
                  title: '机器人',
                  key: 'robot',
                  render: (_, r) => (
                    <Space orientation="vertical" size={0}>
                      <Text strong data-testid="robot-nickname">
                        {r.nickname}
                      </Text>
                      <Text style={{ fontSize: 12 }} data-testid="robot-wxid">
                        {r.wxid}
                      </Text>
                      <Text type="secondary" style={{ fontSize: 12 }}>
                        平台 ID：{r.platform_id}
                      </Text>
                    </Space>
                  ),
                },
                {
                  title: '容量',
                  key: 'capacity',
                  align: 'right',
                  sorter: (a, b) => a.capacity - b.capacity,
                  render: (_, r) => <span data-testid="robot-capacity">{r.capacity}</span>,
                },
                {
                  title: '群数',
                  key: 'groups',
                  align: 'right',
                  sorter: (a, b) => a.groups - b.groups,
                  render: (_, r) => (
                    <Link to={`/groups?robot_id=${encodeURIComponent(r.id)}`} title="查看该机器人的群" data-testid="robot-groups">
                      {r.groups}
                    </Link>
                  ),
                },
                {
                  title: '空余',
                  key: 'free',
                  align: 'right',
                  sorter: (a, b) => a.free - b.free,
                  render: (_, r) => <span data-testid="robot-free">{r.free}</span>,
                },
                {
                  title: '状态',
                  key: 'enabled',
                  filters: [
                    { text: '启用', value: true },
                    { text: '停用', value: false },
                  ],
                  onFilter: (value, r) => r.enabled === value,
                  render: (_, r) =>
                    r.enabled ? (
                      <Tag color="success" data-testid="robot-enabled">
                        启用
                      </Tag>
                    ) : (
                      <Tag color="error" data-testid="robot-disabled">
                        停用
                      </Tag>
                    ),
                },
                { title: '今日使用', key: 'today', render: (_, r) => <TodayUse robot={r} /> },
                { title: '创建时间', key: 'created', className: 'nowrap', render: (_, r) => formatDateTime(r.created_at) },
                ...(writable
                  ? [
                      {
                        title: '操作',
                        key: 'actions',
                        render: (_: unknown, r: Robot) => (
                          <Button type="link" size="small" data-testid="robot-edit" onClick={() => editing.edit(r)}>
                            编辑
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
      {editing.open && <RobotDialog robot={editing.open.item} {...editing.dialog} />}
    </>
  )
}

function QrThumb({ url, size = 40 }: { url: string; size?: number }) {
  const [broken, setBroken] = useState(false)
  if (!url || broken || !isHttpUrl(url)) {
    return (
      <span className="qr-thumb qr-missing" style={{ width: size, height: size }} title="二维码无法显示">
        无图
      </span>
    )
  }
  return (
    <a href={url} target="_blank" rel="noreferrer" title="查看二维码" data-testid="robot-qr">
      <img
        className="qr-thumb"
        src={url}
        alt="二维码"
        width={size}
        height={size}
        loading="lazy"
        referrerPolicy="no-referrer"
        onError={() => setBroken(true)}
      />
    </a>
  )
}

function TodayUse({ robot }: { robot: Robot }) {
  const today = robot.today
  if (!today) return <span className="muted small">今日暂无快照</span>
  const parts = usageParts(today)
  return (
    <div
      className="use-cell"
      data-testid="robot-today"
      data-snapshot-free={today.snapshot_free}
      data-distributed={today.distributed}
      data-displayed={today.displayed}
      data-activated={today.activated}
    >
      <div className="use-bar" role="img" aria-label={parts.map((p) => `${p.label} ${p.value}`).join('，')}>
        {parts
          .filter((p) => p.pct > 0)
          .map((p) => (
            <span key={p.key} className={`use-${p.key}`} style={{ width: `${p.pct}%` }} title={`${p.label} ${p.value}`} />
          ))}
      </div>
      <div className="use-nums">
        <span title="今日快照时的空余位置">快照 {today.snapshot_free}</span>
        <span title="已释放（可分配）的位置">分配 {today.distributed}</span>
        <span title="二维码展示次数">展示 {today.displayed}</span>
        <span title="拉群激活数">激活 {today.activated}</span>
      </div>
    </div>
  )
}

function RobotDialog({ robot, onClose, onSaved }: { robot: Robot | null; onClose: () => void; onSaved: () => void }) {
  const { message } = AntApp.useApp()
  const [form, setForm] = useState<RobotForm>(() => (robot ? robotToForm(robot) : EMPTY_ROBOT_FORM))
  const { problem, setProblem, busy, submit } = useAntSubmit()
  const set = (patch: Partial<RobotForm>) => setForm((prev) => ({ ...prev, ...patch }))

  const onSubmit = async () => {
    let send: () => Promise<Robot>
    if (robot) {
      const parsed = formToRobotUpdate(form, robot)
      if ('error' in parsed) return setProblem(parsed.error)
      if (Object.keys(parsed.body).length === 0) {
        message.success('没有修改')
        return onClose()
      }
      send = () => updateRobot(robot.id, parsed.body)
    } else {
      const parsed = formToRobotCreate(form)
      if ('error' in parsed) return setProblem(parsed.error)
      send = () => createRobot(parsed.body)
    }
    setProblem('')
    await submit(send, { done: robot ? '已保存' : '已新增机器人', then: onSaved })
  }

  const qr = form.qr_code_url.trim()
  return (
    <Modal
      open
      title={robot ? `编辑机器人「${robot.nickname}」` : '新增机器人'}
      onCancel={onClose}
      width={560}
      destroyOnHidden
      wrapProps={{ 'data-testid': 'robot-form' }}
      footer={[
        <Button key="cancel" onClick={onClose}>
          取消
        </Button>,
        <Button key="ok" type="primary" loading={busy} data-testid="robot-submit" onClick={onSubmit}>
          保存
        </Button>,
      ]}
    >
      <Form layout="vertical" onFinish={onSubmit}>
        <Space size={12} style={{ display: 'flex' }} align="start">
          <Form.Item label="平台 ID" extra={robot ? '注册后不可修改' : '机器人平台上的编号'} style={{ flex: 1 }}>
            <Input
              value={form.platform_id}
              disabled={!!robot}
              autoFocus={!robot}
              data-testid="robot-platform-id"
              onChange={(e) => set({ platform_id: e.target.value })}
            />
          </Form.Item>
          <Form.Item label="微信 ID" extra={robot ? '注册后不可修改' : '机器人微信号的 wxid'} style={{ flex: 1 }}>
            <Input
              value={form.wxid}
              disabled={!!robot}
              data-testid="robot-wxid-input"
              onChange={(e) => set({ wxid: e.target.value })}
            />
          </Form.Item>
        </Space>
        <Form.Item label="昵称">
          <Input
            value={form.nickname}
            autoFocus={!!robot}
            data-testid="robot-nickname-input"
            onChange={(e) => set({ nickname: e.target.value })}
          />
        </Form.Item>
        <Space size={12} style={{ display: 'flex' }} align="start">
          <Form.Item label="二维码地址" extra="群主领取机器人时看到的加好友二维码图片" style={{ flex: 1 }}>
            <Input
              type="url"
              value={form.qr_code_url}
              placeholder="https://…"
              data-testid="robot-qr-url"
              onChange={(e) => set({ qr_code_url: e.target.value })}
            />
          </Form.Item>
          {isHttpUrl(qr) && <QrThumb key={qr} url={qr} size={64} />}
        </Space>
        <Space size={24} style={{ display: 'flex' }} align="start">
          <Form.Item
            label="容量"
            extra={robot ? `当前在 ${robot.groups} 个群中；${MIN_CAPACITY}–${MAX_CAPACITY}` : `${MIN_CAPACITY}–${MAX_CAPACITY}`}
          >
            <InputNumber
              value={form.capacity === '' ? null : form.capacity}
              stringMode
              precision={0}
              suffix="个群"
              style={{ width: 160 }}
              data-testid="robot-capacity-input"
              onChange={(value) => set({ capacity: value == null ? '' : String(value) })}
            />
          </Form.Item>
          <Form.Item label="状态" extra="停用的机器人不再分配给群主">
            <Space>
              <Switch
                checked={form.enabled}
                onChange={(enabled) => set({ enabled })}
                aria-label="启用"
                data-testid="robot-enabled-switch"
              />
              <span>{form.enabled ? '启用' : '停用'}</span>
            </Space>
          </Form.Item>
        </Space>
        {problem && <Alert type="error" showIcon title={problem} role="alert" data-testid="robot-submit-error" />}
      </Form>
    </Modal>
  )
}
