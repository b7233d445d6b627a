// 机器人: the robots owners take into their groups — register, edit, enable / disable, and see
// today's use (snapshot free places, distributed, displayed, activated).
import { useState, type FormEvent } from 'react'
import { Link } from 'react-router-dom'
import { canWrite, createRobot, listRobots, updateRobot, type Robot } from '../api'
import { useAuth } from '../auth'
import { useEditing, usePagedList, useSubmit } from '../components/hooks'
import { useToast } from '../components/toast'
import {
  ACTIONS,
  Field,
  FormFooter,
  ListFrame,
  Modal,
  NumberInput,
  PageHead,
  RowAction,
  SearchBox,
  Switch,
  Table,
  Tag,
  numeric,
} from '../components/ui'
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

export default function Robots() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const list = usePagedList(FILTER_DEFAULTS, ({ q }, paging) => listRobots({ q, ...paging }))
  const { filters, filter, reload } = list
  const editing = useEditing<Robot>(reload)

  return (
    <>
      <PageHead
        title="机器人"
        hint="空余位置 = 容量 − 所在的群数；今日使用按每日快照的空余位置统计（分配 / 展示 / 激活）"
        writable={writable}
        create={{ text: '新增机器人', testId: 'robot-new', onClick: () => editing.edit(null) }}
      />
      <section className="card">
        <div className="toolbar">
          <SearchBox
            value={filters.q}
            placeholder="微信 ID / 昵称 / 平台 ID"
            testId="robots-search"
            onSearch={(q) => filter({ q })}
          />
        </div>
        <ListFrame
          list={list}
          testId="robots-list"
          empty={{ text: filters.q ? '没有匹配的机器人' : '暂无机器人', testId: 'robots-empty' }}
        >
          {(data) => (
            <Table
              testId="robots-table"
              columns={[
                '二维码',
                '机器人',
                numeric('容量'),
                numeric('群数'),
                numeric('空余'),
                '状态',
                '今日使用',
                '创建时间',
                writable && ACTIONS,
              ]}
              items={data.items}
              row={(r) => (
                <tr key={r.id} data-testid="robot-row" data-wxid={r.wxid}>
                  <td>
                    <QrThumb url={r.qr_code_url} />
                  </td>
                  <td>
                    <div className="stack">
                      <strong data-testid="robot-nickname">{r.nickname}</strong>
                      <span className="mono small" data-testid="robot-wxid">
                        {r.wxid}
                      </span>
                      <span className="muted small">平台 ID：{r.platform_id}</span>
                    </div>
                  </td>
                  <td className="num" data-testid="robot-capacity">
                    {r.capacity}
                  </td>
                  <td className="num">
                    <Link
                      to={`/groups?robot_id=${encodeURIComponent(r.id)}`}
                      title="查看该机器人的群"
                      data-testid="robot-groups"
                    >
                      {r.groups}
                    </Link>
                  </td>
                  <td className="num" data-testid="robot-free">
                    {r.free}
                  </td>
                  <td>
                    {r.enabled ? (
                      <Tag tone="success" testId="robot-enabled">
                        启用
                      </Tag>
                    ) : (
                      <Tag tone="danger" testId="robot-disabled">
                        停用
                      </Tag>
                    )}
                  </td>
                  <td>
                    <TodayUse robot={r} />
                  </td>
                  <td className="nowrap">{formatDateTime(r.created_at)}</td>
                  {writable && (
                    <td className="actions">
                      <RowAction testId="robot-edit" onClick={() => editing.edit(r)}>
                        编辑
                      </RowAction>
                    </td>
                  )}
                </tr>
              )}
            />
          )}
        </ListFrame>
      </section>
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
  const toast = useToast()
  const [form, setForm] = useState<RobotForm>(() => (robot ? robotToForm(robot) : EMPTY_ROBOT_FORM))
  const { problem, setProblem, busy, submit } = useSubmit()
  const set = (patch: Partial<RobotForm>) => setForm((prev) => ({ ...prev, ...patch }))

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
    let send: () => Promise<Robot>
    if (robot) {
      const parsed = formToRobotUpdate(form, robot)
      if ('error' in parsed) return setProblem(parsed.error)
      if (Object.keys(parsed.body).length === 0) {
        toast.success('没有修改')
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
    <Modal title={robot ? `编辑机器人「${robot.nickname}」` : '新增机器人'} onClose={onClose} testId="robot-form" width={560}>
      <form onSubmit={onSubmit} noValidate>
        <div className="field-row">
          <Field label="平台 ID" hint={robot ? '注册后不可修改' : '机器人平台上的编号'}>
            <input
              value={form.platform_id}
              disabled={!!robot}
              autoFocus={!robot}
              data-testid="robot-platform-id"
              onChange={(e) => set({ platform_id: e.target.value })}
            />
          </Field>
          <Field label="微信 ID" hint={robot ? '注册后不可修改' : '机器人微信号的 wxid'}>
            <input
              value={form.wxid}
              disabled={!!robot}
              data-testid="robot-wxid-input"
              onChange={(e) => set({ wxid: e.target.value })}
            />
          </Field>
        </div>
        <Field label="昵称">
          <input
            value={form.nickname}
            autoFocus={!!robot}
            data-testid="robot-nickname-input"
            onChange={(e) => set({ nickname: e.target.value })}
          />
        </Field>
        <div className="qr-field">
          <Field label="二维码地址" hint="群主领取机器人时看到的加好友二维码图片">
            <input
              type="url"
              value={form.qr_code_url}
              placeholder="https://…"
              data-testid="robot-qr-url"
              onChange={(e) => set({ qr_code_url: e.target.value })}
            />
          </Field>
          {isHttpUrl(qr) && <QrThumb key={qr} url={qr} size={64} />}
        </div>
        <div className="field-row">
          <Field
            label="容量"
            unit="个群"
            hint={robot ? `当前在 ${robot.groups} 个群中；${MIN_CAPACITY}–${MAX_CAPACITY}` : `${MIN_CAPACITY}–${MAX_CAPACITY}`}
          >
            <NumberInput
              min={MIN_CAPACITY}
              max={MAX_CAPACITY}
              value={form.capacity}
              testId="robot-capacity-input"
              onChange={(capacity) => set({ capacity })}
            />
          </Field>
          <div className="field">
            <span>状态</span>
            <div className="switch-line">
              <Switch
                checked={form.enabled}
                onChange={(enabled) => set({ enabled })}
                label={form.enabled ? '启用' : '停用'}
                testId="robot-enabled-switch"
              />
            </div>
            <small className="muted field-hint">停用的机器人不再分配给群主</small>
          </div>
        </div>
        <FormFooter problem={problem} busy={busy} onCancel={onClose} testId="robot-submit" />
      </form>
    </Modal>
  )
}
