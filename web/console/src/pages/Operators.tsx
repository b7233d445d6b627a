// 操作员 (admin only): the console's accounts — add, change role, disable / enable, reset password.
import { useState, type FormEvent } from 'react'
import {
  ROLES,
  ROLE_LABELS,
  createOperator,
  listOperators,
  updateOperator,
  type OperatorAccount,
  type Role,
} from '../api'
import { useAuth } from '../auth'
import { useConfirmedAction, useLoad, useSubmit } from '../components/hooks'
import { ACTIONS, Field, FormFooter, ListFrame, Modal, PageHead, RowAction, Table, Tag } from '../components/ui'
import { formatDateTime } from '../lib/dates'
import { validatePassword, validateUsername } from '../lib/operators'

const ROLE_OPTIONS = ROLES.map((r) => (
  <option key={r} value={r}>
    {ROLE_LABELS[r]}
  </option>
))

export default function Operators() {
  const { operator: me } = useAuth()
  const list = useLoad(listOperators, [])
  const { data, error, reload } = list
  const [adding, setAdding] = useState(false)
  const [resetting, setResetting] = useState<OperatorAccount | null>(null)
  const updating = useConfirmedAction<OperatorAccount['id']>()

  const onRole = async (op: OperatorAccount, role: Role) => {
    if (role === op.role) return
    await updating.run(op.id, {
      confirm: {
        title: '修改角色',
        message: `将「${op.username}」的角色从 ${ROLE_LABELS[op.role] ?? op.role} 改为 ${ROLE_LABELS[role]}？`,
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
        : {
            title: '停用操作员',
            message: `停用后「${op.username}」将无法登录运营后台。确定停用？`,
            okText: '停用',
            danger: true,
          },
      act: () => updateOperator(op.id, { disabled: !op.disabled }),
      done: op.disabled ? `已启用「${op.username}」` : `已停用「${op.username}」`,
      then: reload,
    })

  const isMe = (op: OperatorAccount) => String(op.id) === String(me?.id) || op.username === me?.username
  const forbidden = !!error && error.status === 403

  return (
    <>
      <PageHead
        title="操作员"
        hint="运营后台账号：管理员管理操作员，运营可修改内容，财务只读"
        actions={
          data &&
          !forbidden && (
            <button className="btn btn-primary" data-testid="operator-new" onClick={() => setAdding(true)}>
              添加操作员
            </button>
          )
        }
      />
      <section className="card">
        <ListFrame list={list} testId="operators-list" empty={{ text: '暂无操作员', testId: 'operators-empty' }}>
          {(data) => (
            <Table
              testId="operators-table"
              columns={['用户名', '角色', '状态', '创建时间', '最近登录', ACTIONS]}
              items={data}
              row={(op) => {
                const self = isMe(op)
                const busy = updating.busyId === op.id
                return (
                  <tr key={op.id} data-testid="operator-row" data-username={op.username}>
                    <td>
                      <strong>{op.username}</strong>
                      {self && <span className="muted">（我）</span>}
                    </td>
                    <td>
                      <select
                        value={op.role}
                        aria-label={`${op.username} 的角色`}
                        data-testid="operator-role-select"
                        disabled={self || busy}
                        title={self ? '不能修改自己的角色' : undefined}
                        onChange={(e) => onRole(op, e.target.value as Role)}
                      >
                        {ROLE_OPTIONS}
                      </select>
                    </td>
                    <td>{op.disabled ? <Tag tone="danger">已停用</Tag> : <Tag tone="success">正常</Tag>}</td>
                    <td className="nowrap">{formatDateTime(op.created_at)}</td>
                    <td className="nowrap">{formatDateTime(op.last_login_at)}</td>
                    <td className="actions">
                      <RowAction
                        testId="operator-toggle"
                        danger={!op.disabled}
                        disabled={self || busy}
                        title={self ? '不能停用自己' : undefined}
                        onClick={() => onToggle(op)}
                      >
                        {op.disabled ? '启用' : '停用'}
                      </RowAction>
                      <RowAction
                        testId="operator-reset-password"
                        disabled={busy}
                        onClick={() => setResetting(op)}
                      >
                        重置密码
                      </RowAction>
                    </td>
                  </tr>
                )
              }}
            />
          )}
        </ListFrame>
      </section>
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
      {updating.dialog}
    </>
  )
}

function AddOperator({ onClose, onAdded }: { onClose: () => void; onAdded: () => void }) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [role, setRole] = useState<Role>('operator')
  const { problem, setProblem, busy, submit } = useSubmit()

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
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
    <Modal title="添加操作员" onClose={onClose} testId="operator-form">
      <form onSubmit={onSubmit} noValidate>
        <Field label="用户名">
          <input
            value={username}
            autoFocus
            autoComplete="off"
            data-testid="operator-username"
            onChange={(e) => setUsername(e.target.value)}
          />
        </Field>
        <Field label="初始密码" hint="8–128 位">
          <input
            type="password"
            value={password}
            autoComplete="new-password"
            data-testid="operator-password"
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <Field label="角色">
          <select value={role} data-testid="operator-role" onChange={(e) => setRole(e.target.value as Role)}>
            {ROLE_OPTIONS}
          </select>
        </Field>
        <FormFooter
          problem={problem}
          busy={busy}
          onCancel={onClose}
          submitText="添加"
          busyText="添加中…"
          testId="operator-submit"
        />
      </form>
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

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
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
    <Modal title={`重置「${operator.username}」的密码`} onClose={onClose} testId="reset-password-dialog">
      <form onSubmit={onSubmit} noValidate>
        <p className="muted small dialog-note" data-testid="reset-password-note">
          {self
            ? '重置后你的所有登录将退出，请用新密码重新登录。'
            : `重置后「${operator.username}」当前的登录将退出；其下次登录时须先设置新密码，才能继续使用运营后台。`}
        </p>
        <Field label="新密码" hint="8–128 位">
          <input
            type="password"
            value={password}
            autoFocus
            autoComplete="new-password"
            data-testid="reset-password-input"
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <Field label="确认新密码">
          <input
            type="password"
            value={again}
            autoComplete="new-password"
            data-testid="reset-password-again"
            onChange={(e) => setAgain(e.target.value)}
          />
        </Field>
        <FormFooter
          problem={problem}
          busy={busy}
          onCancel={onClose}
          submitText="重置密码"
          busyText="提交中…"
          testId="reset-password-submit"
        />
      </form>
    </Modal>
  )
}
