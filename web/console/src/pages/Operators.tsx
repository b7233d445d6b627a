// 操作员 (admin only): the console's accounts — add, change role, disable / enable, reset password.
import { useState } from 'react'
import { Alert, Button, Card, Form, Input, Modal, Radio, Select, Space, Table, Tag, Typography } from 'antd'
import type { ColumnsType } from 'antd/es/table'
import { ROLES, ROLE_LABELS, createOperator, listOperators, updateOperator, type OperatorAccount, type Role } from '../api'
import { useAuth } from '../auth'
import { useRowAction } from '../components/form'
import { useLoad, useSubmit } from '../components/hooks'
import { LoadState } from '../components/LoadState'
import { formatDateTime, parseTime } from '../lib/dates'
import { validatePassword, validateUsername } from '../lib/operators'
import { ROLE_HINTS } from '../lib/routes'

const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }))

const byTime = (key: 'created_at' | 'last_login_at') => (a: OperatorAccount, b: OperatorAccount) =>
  (parseTime(a[key]) || 0) - (parseTime(b[key]) || 0)

export default function Operators() {
  const { operator: me } = useAuth()
  const { data, error, loading, reload } = useLoad(listOperators, [])
  const [adding, setAdding] = useState(false)
  const [resetting, setResetting] = useState<OperatorAccount | null>(null)
  const updating = useRowAction<OperatorAccount['id']>()

  const onRole = async (op: OperatorAccount, role: Role) => {
    if (role === op.role) return
    await updating.run(op.id, {
      confirm: {
        title: '修改角色',
        message: (
          <>
            将「{op.username}」的角色从 {ROLE_LABELS[op.role] ?? op.role} 改为 {ROLE_LABELS[role]}？
            <br />
            <Typography.Text type="secondary">{ROLE_HINTS[role]}</Typography.Text>
          </>
        ),
      },
      act: () => updateOperator(op.id, { role }),
      done: `已将「${op.username}」改为${ROLE_LABELS[role]}`,
      then: reload,
    })
  }

  const onToggle = (op: OperatorAccount) =>
    updating.run(op.id, {
      // Enabling asks nothing.
      confirm: op.disabled
        ? undefined
        : { title: '停用操作员', message: `停用后「${op.username}」将无法登录运营后台。确定停用？`, okText: '停用', danger: true },
      act: () => updateOperator(op.id, { disabled: !op.disabled }),
      done: op.disabled ? `已启用「${op.username}」` : `已停用「${op.username}」`,
      then: reload,
    })

  const isMe = (op: OperatorAccount) => String(op.id) === String(me?.id) || op.username === me?.username

  const columns: ColumnsType<OperatorAccount> = [
    {
      title: '用户名',
      dataIndex: 'username',
      sorter: (a, b) => a.username.localeCompare(b.username),
      render: (username: string, op) => (
        <>
          <strong>{username}</strong>
          {isMe(op) && <Typography.Text type="secondary">（我）</Typography.Text>}
        </>
      ),
    },
    {
      title: '角色',
      dataIndex: 'role',
      width: 140,
      filters: ROLE_OPTIONS.map(({ value, label }) => ({ text: label, value })),
      onFilter: (value, op) => op.role === value,
      render: (role: Role, op) => (
        <Select
          value={role}
          size="small"
          style={{ width: 100 }}
          options={ROLE_OPTIONS}
          aria-label={`${op.username} 的角色`}
          data-testid="operator-role-select"
          disabled={isMe(op) || updating.busyId === op.id}
          title={isMe(op) ? '不能修改自己的角色' : undefined}
          onChange={(next: Role) => onRole(op, next)}
        />
      ),
    },
    {
      title: '状态',
      dataIndex: 'disabled',
      width: 90,
      filters: [
        { text: '正常', value: false },
        { text: '已停用', value: true },
      ],
      onFilter: (value, op) => op.disabled === value,
      render: (disabled: boolean) => (disabled ? <Tag color="error">已停用</Tag> : <Tag color="success">正常</Tag>),
    },
    {
      title: '创建时间',
      dataIndex: 'created_at',
      width: 160,
      sorter: byTime('created_at'),
      render: (at: string) => <span className="nowrap">{formatDateTime(at)}</span>,
    },
    {
      title: '最近登录',
      dataIndex: 'last_login_at',
      width: 160,
      sorter: byTime('last_login_at'),
      render: (at: string | null) => <span className="nowrap">{formatDateTime(at)}</span>,
    },
    {
      title: '操作',
      key: 'actions',
      width: 170,
      render: (_: unknown, op) => {
        const self = isMe(op)
        const busy = updating.busyId === op.id
        return (
          <Space size={0}>
            <Button
              type="link"
              size="small"
              danger={!op.disabled}
              data-testid="operator-toggle"
              disabled={self || busy}
              title={self ? '不能停用自己' : undefined}
              onClick={() => onToggle(op)}
            >
              {op.disabled ? '启用' : '停用'}
            </Button>
            <Button
              type="link"
              size="small"
              data-testid="operator-reset-password"
              disabled={busy}
              onClick={() => setResetting(op)}
            >
              重置密码
            </Button>
          </Space>
        )
      },
    },
  ]

  return (
    <>
      <div className="page-head">
        <div>
          <h1>操作员</h1>
          <div className="muted" data-testid="role-hints">
            {ROLES.map((r) => (
              <span key={r} className="role-hint">
                {ROLE_HINTS[r]}
              </span>
            ))}
          </div>
        </div>
        {data && (
          <Button type="primary" data-testid="operator-new" onClick={() => setAdding(true)}>
            添加操作员
          </Button>
        )}
      </div>
      <Card>
        {!data && <LoadState error={loading ? undefined : error} onRetry={reload} />}
        {data && (
          <Table<OperatorAccount>
            data-testid="operators-table"
            rowKey="id"
            columns={columns}
            dataSource={data}
            loading={loading}
            onRow={(op) => ({ 'data-testid': 'operator-row', 'data-username': op.username }) as object}
            pagination={data.length > 20 ? { pageSize: 20, showTotal: (n) => `共 ${n} 个` } : false}
            locale={{ emptyText: <span data-testid="operators-empty">暂无操作员</span> }}
          />
        )}
      </Card>
      {adding && (
        <AddOperator
          onClose={() => setAdding(false)}
          onAdded={() => {
            setAdding(false)
            reload()
          }}
        />
      )}
      {resetting && <ResetPassword operator={resetting} self={isMe(resetting)} onClose={() => setResetting(null)} />}
    </>
  )
}

function AddOperator({ onClose, onAdded }: { onClose: () => void; onAdded: () => void }) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [role, setRole] = useState<Role>('operator')
  const { problem, setProblem, busy, submit } = useSubmit()

  const onSubmit = async () => {
    const invalid = validateUsername(username) || validatePassword(password)
    setProblem(invalid)
    if (invalid) return
    await submit(() => createOperator({ username: username.trim(), password, role }), {
      done: (created) => `已添加操作员「${created.username}」`,
      failed: '添加失败',
      then: onAdded,
    })
  }

  return (
    <Modal
      open
      title="添加操作员"
      width={560}
      onCancel={onClose}
      onOk={onSubmit}
      okText={busy ? '添加中…' : '添加'}
      cancelText="取消"
      okButtonProps={{ loading: busy, 'data-testid': 'operator-submit' }}
      modalRender={(node) => <div data-testid="operator-form">{node}</div>}
    >
      <Form layout="vertical" onFinish={onSubmit}>
        <Form.Item label="用户名" htmlFor="operator-username" extra="2–32 位小写字母、数字或 _.-">
          <Input
            id="operator-username"
            value={username}
            autoFocus
            autoComplete="off"
            data-testid="operator-username"
            onChange={(e) => setUsername(e.target.value)}
          />
        </Form.Item>
        <Form.Item label="初始密码" htmlFor="operator-password" extra="8–128 位；对方首次登录时须先改成自己的密码">
          <Input.Password
            id="operator-password"
            value={password}
            autoComplete="new-password"
            data-testid="operator-password"
            onChange={(e) => setPassword(e.target.value)}
          />
        </Form.Item>
        <Form.Item label="角色">
          <Radio.Group value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="operator-role">
            <Space direction="vertical">
              {ROLES.map((r) => (
                <Radio key={r} value={r}>
                  {ROLE_LABELS[r]}
                  <Typography.Text type="secondary" className="small">
                    {' '}
                    — {ROLE_HINTS[r].replace(/^[^：]*：/, '')}
                  </Typography.Text>
                </Radio>
              ))}
            </Space>
          </Radio.Group>
        </Form.Item>
        {problem && <Alert type="error" showIcon title={problem} data-testid="operator-submit-error" />}
      </Form>
    </Modal>
  )
}

/**
 * An admin sets an operator's password: the operator's sessions end and, at their next login,
 * they must choose their own before anything else (an admin resetting their own only logs in
 * again with it).
 */
function ResetPassword({ operator, self, onClose }: { operator: OperatorAccount; self: boolean; onClose: () => void }) {
  const [password, setPassword] = useState('')
  const [again, setAgain] = useState('')
  const { problem, setProblem, busy, submit } = useSubmit()

  const onSubmit = async () => {
    const invalid = validatePassword(password) || (password !== again ? '两次输入的密码不一致' : '')
    setProblem(invalid)
    if (invalid) return
    await submit(() => updateOperator(operator.id, { password }), {
      done: self
        ? '已重置你的密码，请用新密码重新登录'
        : `已重置「${operator.username}」的密码，其下次登录时须设置新密码`,
      failed: '重置失败',
      then: onClose,
    })
  }

  return (
    <Modal
      open
      title={`重置「${operator.username}」的密码`}
      onCancel={onClose}
      onOk={onSubmit}
      okText={busy ? '提交中…' : '重置密码'}
      cancelText="取消"
      okButtonProps={{ danger: true, loading: busy, 'data-testid': 'reset-password-submit' }}
      modalRender={(node) => <div data-testid="reset-password-dialog">{node}</div>}
    >
      <Form layout="vertical" onFinish={onSubmit}>
        <Typography.Paragraph type="secondary" data-testid="reset-password-note">
          {self
            ? '重置后你的所有登录将退出，请用新密码重新登录。'
            : `重置后「${operator.username}」当前的登录将退出；其下次登录时须先设置新密码，才能继续使用运营后台。`}
        </Typography.Paragraph>
        <Form.Item label="新密码" htmlFor="reset-password-input" extra="8–128 位">
          <Input.Password
            id="reset-password-input"
            value={password}
            autoFocus
            autoComplete="new-password"
            data-testid="reset-password-input"
            onChange={(e) => setPassword(e.target.value)}
          />
        </Form.Item>
        <Form.Item label="确认新密码" htmlFor="reset-password-again">
          <Input.Password
            id="reset-password-again"
            value={again}
            autoComplete="new-password"
            data-testid="reset-password-again"
            onChange={(e) => setAgain(e.target.value)}
          />
        </Form.Item>
        {problem && <Alert type="error" showIcon title={problem} data-testid="reset-password-submit-error" />}
      </Form>
    </Modal>
  )
}
