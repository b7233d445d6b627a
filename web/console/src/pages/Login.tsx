import { useState } from 'react'
import { Alert, Button, Card, Form, Input } from 'antd'
import { LockOutlined, UserOutlined } from '@ant-design/icons'
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom'
import { ApiError, login } from '../api'
import { useAuth } from '../auth'
import { Logo } from '../icons'
import { passwordPath } from '../lib/password'
import { safeNext, validateLogin } from '../login'

export default function Login() {
  const { operator, setOperator } = useAuth()
  const navigate = useNavigate()
  const next = safeNext(useSearchParams()[0].get('next'))
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)

  // An operator whose password was made for them chooses their own first, then goes on.
  const onward = (mustChange: boolean) => (mustChange ? passwordPath(next) : next)

  if (operator) return <Navigate to={onward(operator.must_change_password)} replace />

  const onSubmit = async () => {
    const invalid = validateLogin(username, password)
    setError(invalid)
    if (invalid) return
    setBusy(true)
    try {
      const me = await login(username.trim(), password)
      setOperator(me)
      navigate(onward(me.must_change_password), { replace: true })
    } catch (e) {
      setError((e as ApiError).message || '登录失败，请稍后再试')
      setBusy(false)
    }
  }

  return (
    <div className="login-page">
      <Card className="login-card" variant="borderless">
        <div className="login-brand">
          <Logo size={40} />
          <div>
            <h1>群宠运营后台</h1>
            <p className="muted">运营、财务与管理员使用</p>
          </div>
        </div>
        <Form layout="vertical" onFinish={onSubmit} requiredMark={false} size="large">
          <Form.Item label="用户名" htmlFor="login-username">
            <Input
              id="login-username"
              name="username"
              autoComplete="username"
              autoFocus
              prefix={<UserOutlined />}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              placeholder="请输入用户名"
            />
          </Form.Item>
          <Form.Item label="密码" htmlFor="login-password">
            <Input.Password
              id="login-password"
              name="password"
              autoComplete="current-password"
              prefix={<LockOutlined />}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              placeholder="请输入密码"
            />
          </Form.Item>
          {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
          <Button type="primary" htmlType="submit" block loading={busy}>
            {busy ? '登录中…' : '登录'}
          </Button>
        </Form>
      </Card>
    </div>
  )
}
