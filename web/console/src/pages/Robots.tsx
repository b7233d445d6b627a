// 机器人: the robots owners take into their groups — register, edit, enable / disable, and see
// today's use (snapshot free places, distributed, displayed, activated); and their health (the
// fleet's counts, each robot's last heartbeat, sends today, cool-down and risk events), with
// quarantine / release and replacements for the groups of a robot that is out.
import { useEffect, useState } from 'react'
import { Link } from 'react-router-dom'
import {
  App as AntApp,
  Alert,
  Button,
  Card,
  Empty,
  Form,
  Input,
  InputNumber,
  Modal,
  Space,
  Switch,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd'
import {
  canWrite,
  createRobot,
  listRobots,
  prepareReplacements,
  quarantineRobot,
  releaseRobot,
  updateRobot,
  type ApiError,
  type Robot,
} from '../api'
import { useAuth } from '../auth'
import { tablePaging, useAntSubmit, useEditing, useLoad, usePagedList } from '../components/hooks'
import { LoadState } from '../components/LoadState'
import { ReasonDialog } from '../components/ReasonDialog'
import { formatDateTime } from '../lib/dates'
import {
  HEALTHS,
  HEALTH_TAGS,
  MAX_QUARANTINE_REASON,
  cooldownText,
  countHealth,
  healthTag,
  heartbeatText,
  mayPrepareReplacements,
  replacementNote,
  replacementResult,
  riskLine,
  validateQuarantineReason,
} from '../lib/robotHealth'
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

/** The most robots the health counts page through (100 a page). */
const MAX_COUNTED = 5_000

/** Every robot's health, page by page (the list itself shows one page). */
async function fleetHealth(): Promise<Array<Pick<Robot, 'health'>>> {
  const all: Array<Pick<Robot, 'health'>> = []
  for (let page = 1; all.length < MAX_COUNTED; page++) {
    const answer = await listRobots({ page, page_size: 100 })
    all.push(...answer.items)
    if (answer.items.length === 0 || all.length >= answer.total) break
  }
  return all
}

export default function Robots() {
  const { operator } = useAuth()
  const { modal, message } = AntApp.useApp()
  const writable = canWrite(operator?.role)
  const list = usePagedList(FILTER_DEFAULTS, ({ q }, paging) => listRobots({ q, ...paging }))
  const { filters, filter, reload, data, error, loading, pager } = list
  const editing = useEditing<Robot>(reload)
  const quarantining = useEditing<Robot>(reload)
  const [q, setQ] = useState(filters.q)
  useEffect(() => setQ(filters.q), [filters.q])
  // Counted again whenever the list is loaded again (after an action, a search, a refresh).
  const fleet = useLoad(fleetHealth, [data])
  const [acting, setActing] = useState<string | null>(null)

  /** Runs an action on a robot (its buttons busy meanwhile); refusals as a message. */
  const act = async (r: Robot, what: string, run: () => Promise<void>) => {
    setActing(`${r.id}:${what}`)
    try {
      await run()
    } finally {
      setActing(null)
    }
  }

  /** Sends (then toasts `done`, if given); a refusal's message (else a plain one) is shown and swallowed. */
  const runAction = async <T,>(send: () => Promise<T>, done?: string) => {
    try {
      const answer = await send()
      if (done) message.success(done)
      return answer
    } catch (e) {
      message.error((e as ApiError).message || '操作失败，请稍后重试')
      return undefined
    }
  }

  const release = (r: Robot) =>
    modal.confirm({
      title: `解除隔离「${r.nickname}」？`,
      content: '解除后机器人按平台上报的状态恢复使用：在线即重新分配给群主并恢复发送，它所在群的群主不再看到“机器人维护中”。',
      okText: '解除隔离',
      cancelText: '取消',
      okButtonProps: { 'data-testid': 'robot-release-ok' },
      onOk: () =>
        act(r, 'release', async () => {
          await runAction(() => releaseRobot(r.id), '已解除隔离')
          reload()
        }),
    })

  const replace = (r: Robot) =>
    modal.confirm({
      title: `为「${r.nickname}」的群准备替换机器人？`,
      content: <span data-testid="robot-replace-note">{replacementNote(r)}</span>,
      okText: '准备替换',
      cancelText: '取消',
      width: 520,
      okButtonProps: { 'data-testid': 'robot-replace-ok', disabled: r.groups <= 0 },
      onOk: () =>
        act(r, 'replace', async () => {
          const result = await runAction(() => prepareReplacements(r.id))
          if (result) {
            modal.success({
              title: '替换机器人已准备',
              content: <span data-testid="robot-replace-result">{replacementResult(result)}</span>,
              okText: '知道了',
            })
          }
          reload()
        }),
    })

  return (
    <>
      <div className="page-head">
        <div>
          <Typography.Title level={3}>机器人</Typography.Title>
          <Text type="secondary">空余位置 = 容量 − 所在的群数；今日使用按每日快照的空余位置统计（分配 / 展示 / 激活）</Text>
          <br />
          <Text type="secondary">只有在线的机器人会分配给群主并发送消息；健康按平台上报和心跳判断，不在线的原因见健康标签的提示</Text>
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
        <Button style={{ marginLeft: 8, marginBottom: 16 }} data-testid="robots-refresh" onClick={reload}>
          刷新
        </Button>
        <HealthSummary robots={fleet.data} failed={!!fleet.error && !fleet.data} />
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
              onRow={(r) =>
                ({ 'data-testid': 'robot-row', 'data-wxid': r.wxid, 'data-health': r.health }) as React.HTMLAttributes<HTMLElement>
              }
              expandable={{
                expandedRowRender: (r) => <RiskEvents robot={r} />,
                expandIcon: ({ expanded, onExpand, record }) => (
                  <Button
                    type="link"
                    size="small"
                    aria-expanded={expanded}
                    data-testid="robot-risk-toggle"
                    onClick={(e) => onExpand(record, e)}
                  >
                    {expanded ? '收起' : `风险事件 ${record.risk_events?.length ?? 0}`}
                  </Button>
                ),
              }}
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
                  title: '健康',
                  key: 'health',
                  filters: HEALTHS.map((h) => ({ text: HEALTH_TAGS[h].label, value: h })),
                  onFilter: (value, r) => r.health === value,
                  render: (_, r) => <HealthTag robot={r} />,
                },
                {
                  title: '最后心跳',
                  key: 'heartbeat',
                  className: 'nowrap',
                  render: (_, r) => (
                    <span data-testid="robot-heartbeat" className={r.last_heartbeat_at ? undefined : 'muted'}>
                      {heartbeatText(r.last_heartbeat_at)}
                    </span>
                  ),
                },
                {
                  title: '今日发送',
                  key: 'sends',
                  align: 'right',
                  render: (_, r) => {
                    const cooldown = cooldownText(r.paused_until)
                    return (
                      <Space orientation="vertical" size={0} align="end">
                        <span data-testid="robot-sends-today">{r.sends_today ?? 0}</span>
                        {cooldown && (
                          <Tooltip title={`平台风控拒绝后暂停发送，到 ${formatDateTime(r.paused_until, true)} 恢复`}>
                            <Tag color="orange" data-testid="robot-cooldown" style={{ marginInlineEnd: 0 }}>
                              {cooldown}
                            </Tag>
                          </Tooltip>
                        )}
                      </Space>
                    )
                  },
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
                        fixed: 'right' as const,
                        render: (_: unknown, r: Robot) => (
                          <Space size={0} wrap>
                            <Button type="link" size="small" data-testid="robot-edit" onClick={() => editing.edit(r)}>
                              编辑
                            </Button>
                            {r.health === 'quarantined' ? (
                              <Button
                                type="link"
                                size="small"
                                data-testid="robot-release"
                                loading={acting === `${r.id}:release`}
                                onClick={() => release(r)}
                              >
                                解除隔离
                              </Button>
                            ) : (
                              r.health && (
                                <Button
                                  type="link"
                                  size="small"
                                  danger
                                  data-testid="robot-quarantine"
                                  onClick={() => quarantining.edit(r)}
                                >
                                  隔离
                                </Button>
                              )
                            )}
                            {mayPrepareReplacements(r) && (
                              <Button
                                type="link"
                                size="small"
                                data-testid="robot-replace"
                                loading={acting === `${r.id}:replace`}
                                onClick={() => replace(r)}
                              >
                                为其群准备替换
                              </Button>
                            )}
                          </Space>
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
      {quarantining.open?.item && (
        <QuarantineDialog robot={quarantining.open.item} onClose={quarantining.dialog.onClose} onDone={quarantining.dialog.onSaved} />
      )}
    </>
  )
}

/** "在线 x / 无心跳 y / 离线 z / 封禁 w / 隔离 v" of every robot, each count in its tag's colour. */
function HealthSummary({ robots, failed }: { robots: Array<Pick<Robot, 'health'>> | null | undefined; failed: boolean }) {
  if (!robots) {
    return failed ? (
      <Text type="secondary" style={{ display: 'block', marginBottom: 12 }}>
        机器人健康统计暂时无法加载
      </Text>
    ) : null
  }
  const counts = countHealth(robots)
  return (
    <div className="health-summary" data-testid="robots-health-summary" style={{ marginBottom: 12 }}>
      <Text type="secondary">全部机器人：</Text>
      {HEALTHS.map((h, i) => (
        <span key={h} data-testid={`robots-health-${h}`} data-count={counts[h]}>
          {i > 0 && <Text type="secondary"> / </Text>}
          <Text style={{ color: HEALTH_COLORS[h] }} strong={counts[h] > 0 && h !== 'online'}>
            {HEALTH_TAGS[h].label} {counts[h]}
          </Text>
        </span>
      ))}
    </div>
  )
}

/** The text colours of the summary, matching the tags. */
const HEALTH_COLORS: Record<string, string | undefined> = {
  online: '#389e0d',
  silent: '#d46b08',
  offline: undefined,
  banned: '#cf1322',
  quarantined: '#531dab',
}

/** The robot's health as a coloured tag; why it is not online in its tooltip. */
function HealthTag({ robot }: { robot: Robot }) {
  const tag = healthTag(robot.health)
  const element = (
    <Tag color={tag.color} data-testid="robot-health" data-health={robot.health}>
      {tag.label}
    </Tag>
  )
  return robot.health_reason ? <Tooltip title={robot.health_reason}>{element}</Tooltip> : element
}

/** The robot's last risk events, newest first: time (Beijing), kind in words, detail. */
function RiskEvents({ robot }: { robot: Robot }) {
  const events = robot.risk_events ?? []
  return (
    <div data-testid="robot-risk-events" data-wxid={robot.wxid}>
      <Text strong>最近风险事件</Text>
      {robot.health_reason && (
        <Text type="secondary" style={{ marginLeft: 12 }}>
          当前{healthTag(robot.health).label}：{robot.health_reason}
        </Text>
      )}
      {events.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="暂无风险事件" />
      ) : (
        <Table
          size="small"
          pagination={false}
          rowKey={(_, i) => String(i)}
          style={{ marginTop: 8, maxWidth: 760 }}
          dataSource={events.map(riskLine)}
          onRow={() => ({ 'data-testid': 'robot-risk-event' }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: '时间（北京时间）', dataIndex: 'at', width: 180, className: 'nowrap' },
            {
              title: '事件',
              dataIndex: 'kind',
              width: 110,
              render: (kind: string) => <span data-testid="robot-risk-kind">{kind}</span>,
            },
            {
              title: '详情',
              dataIndex: 'detail',
              render: (detail: string) => <span data-testid="robot-risk-detail">{detail || '—'}</span>,
            },
          ]}
        />
      )}
    </div>
  )
}

/** 隔离: the reason, which the risk events and the audit log keep. */
function QuarantineDialog({ robot, onClose, onDone }: { robot: Robot; onClose: () => void; onDone: () => void }) {
  return (
    <ReasonDialog
      title={`隔离机器人「${robot.nickname}」`}
      testId="robot-quarantine-dialog"
      note={
        <>
          隔离后该机器人不再分配给群主、暂停发送消息，它所在的 {robot.groups} 个群的群主会看到“机器人维护中”，
          期间按离线保障群主收益。可随时解除隔离。
        </>
      }
      reason={{
        label: '隔离原因',
        max: MAX_QUARANTINE_REASON,
        placeholder: '例如：疑似被盗号，排查中',
        testId: 'robot-quarantine-reason',
        validate: validateQuarantineReason,
      }}
      send={(reason) => quarantineRobot(robot.id, reason)}
      done="已隔离"
      failed="隔离失败"
      confirm={{ text: '确认隔离', testId: 'robot-quarantine-confirm' }}
      onClose={onClose}
      onDone={onDone}
    />
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
