import { useState, type FormEvent } from 'react'
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

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
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
      <form className="login-card" onSubmit={onSubmit} noValidate>
        <div className="login-brand">
          <Logo size={40} />
          <div>
            <h1>群宠运营后台</h1>
            <p className="muted">gpet console</p>
          </div>
        </div>
        <label className="field">
          <span>用户名</span>
          <input
            name="username"
            autoComplete="username"
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            placeholder="请输入用户名"
          />
        </label>
        <label className="field">
          <span>密码</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            placeholder="请输入密码"
          />
        </label>
        {error && (
          <div className="alert" role="alert">
            {error}
          </div>
        )}
        <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
          {busy ? '登录中…' : '登录'}
        </button>
      </form>
    </div>
  )
}
