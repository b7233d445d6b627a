// 修改密码: the operator chooses their own password. Whoever's password was made for them (the
// first admin's, or one an admin reset) is kept here until they do; anyone may come here from the
// top bar. Afterwards the console goes on to where they were going, or the dashboard.
import { useState } from 'react'
import { Alert, Button, Card, Form, Input, Space } from 'antd'
import { useNavigate, useSearchParams } from 'react-router-dom'
import { changePassword } from '../api'
import { useAuth } from '../auth'
import { useSubmit } from '../components/hooks'
import {
  afterPasswordChange,
  isValid,
  validatePasswordChange,
  type PasswordForm,
  type PasswordProblems,
} from '../lib/password'
import { MAX_PASSWORD, MIN_PASSWORD } from '../lib/operators'

const EMPTY: PasswordForm = { current: '', next: '', again: '' }

const FIELDS: Array<{ key: keyof PasswordForm; label: string; autoComplete: string; hint?: string }> = [
  { key: 'current', label: '当前密码', autoComplete: 'current-password' },
  { key: 'next', label: '新密码', autoComplete: 'new-password', hint: `${MIN_PASSWORD}–${MAX_PASSWORD} 位` },
  { key: 'again', label: '确认新密码', autoComplete: 'new-password' },
]

export default function Password() {
  const { operator, setOperator } = useAuth()
  const navigate = useNavigate()
  const next = useSearchParams()[0].get('next')
  const forced = !!operator?.must_change_password
  const [form, setForm] = useState<PasswordForm>(EMPTY)
  const [problems, setProblems] = useState<PasswordProblems>({})
  const { problem, setProblem, busy, submit } = useSubmit()

  const update = (key: keyof PasswordForm, value: string) => {
    setForm((prev) => ({ ...prev, [key]: value }))
    // The field's own complaint goes as it is edited; the others stay until the next try.
    setProblems((prev) => ({ ...prev, [key]: undefined }))
  }

  const onSubmit = async () => {
    const found = validatePasswordChange(form)
    setProblems(found)
    setProblem('')
    if (!isValid(found)) return
    await submit(() => changePassword(form.current, form.next), {
      done: '密码已修改',
      failed: '修改失败，请稍后再试',
      then: (me) => {
        setOperator(me)
        navigate(afterPasswordChange(next), { replace: true })
      },
    })
  }

  return (
    <>
      <div className="page-head">
        <div>
          <h1>修改密码</h1>
          {!forced && <p className="muted">修改后，你在其他浏览器或设备上的登录将退出</p>}
        </div>
      </div>
      <Card style={{ maxWidth: 520 }}>
        <Form layout="vertical" onFinish={onSubmit} data-testid="password-form" requiredMark={false}>
          {forced && (
            <Alert
              type="info"
              showIcon
              role="note"
              data-testid="password-required"
              style={{ marginBottom: 16 }}
              title="首次登录或密码被管理员重置后，请先设置新密码。设置完成后才能使用运营后台的其他功能。"
            />
          )}
          {/* For password managers: whose password this is. */}
          <input type="text" name="username" autoComplete="username" value={operator?.username ?? ''} readOnly hidden />
          {FIELDS.map(({ key, label, autoComplete, hint }) => (
            <Form.Item
              key={key}
              label={label}
              htmlFor={`password-${key}`}
              validateStatus={problems[key] ? 'error' : undefined}
              help={problems[key] ? <span data-testid={`password-${key}-error`}>{problems[key]}</span> : hint}
            >
              <Input.Password
                id={`password-${key}`}
                value={form[key]}
                autoFocus={key === 'current'}
                autoComplete={autoComplete}
                aria-invalid={problems[key] ? true : undefined}
                disabled={busy}
                data-testid={`password-${key}`}
                onChange={(e) => update(key, e.target.value)}
              />
            </Form.Item>
          ))}
          {problem && (
            <Alert type="error" showIcon data-testid="password-error" title={problem} style={{ marginBottom: 16 }} />
          )}
          <Space>
            <Button type="primary" htmlType="submit" loading={busy} data-testid="password-submit">
              {busy ? '提交中…' : '确认修改'}
            </Button>
            {!forced && (
              <Button disabled={busy} onClick={() => navigate(afterPasswordChange(next), { replace: true })}>
                取消
              </Button>
            )}
          </Space>
        </Form>
      </Card>
    </>
  )
}
