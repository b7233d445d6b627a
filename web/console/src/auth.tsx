import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react'
import { Button, Result, Spin } from 'antd'
import { Navigate, useLocation } from 'react-router-dom'
import { ApiError, TOKEN_EXPIRED, UNAUTHENTICATED, getMe, onUnauthorized, type Me } from './api'
import { PASSWORD_PATH, passwordPath } from './lib/password'

interface Auth {
  /** undefined while the session is being checked, null when there is none. */
  operator: Me | null | undefined
  setOperator: (operator: Me | null) => void
}

const AuthContext = createContext<Auth | null>(null)

export function useAuth(): Auth {
  const auth = useContext(AuthContext)
  if (!auth) throw new Error('useAuth outside AuthProvider')
  return auth
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [operator, setOperator] = useState<Me | null | undefined>(undefined)
  const [error, setError] = useState('')

  const load = useCallback(() => {
    setError('')
    getMe().then(setOperator, (e: ApiError) => {
      if (e.code === UNAUTHENTICATED || e.code === TOKEN_EXPIRED) setOperator(null)
      else setError(e.message)
    })
  }, [])
  useEffect(load, [load])
  useEffect(() => onUnauthorized(() => setOperator(null)), [])

  if (error) {
    return (
      <div className="fullpage">
        <Result
          status="warning"
          title="无法连接服务"
          subTitle={`${error}。请检查网络后重试。`}
          extra={
            <Button type="primary" onClick={load}>
              重试
            </Button>
          }
        />
      </div>
    )
  }
  return <AuthContext.Provider value={{ operator, setOperator }}>{children}</AuthContext.Provider>
}

/**
 * Shows its children to a logged-in operator; sends anyone else to login and back. An operator
 * who must choose a new password is kept on 修改密码 (and sent on afterwards).
 */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { operator } = useAuth()
  const { pathname, search } = useLocation()
  if (operator === undefined) {
    return (
      <div className="fullpage">
        <Spin description="加载中…" />
      </div>
    )
  }
  const next = pathname + search
  if (operator === null) {
    return <Navigate to={next === '/' ? '/login' : `/login?${new URLSearchParams({ next })}`} replace />
  }
  if (operator.must_change_password && pathname.replace(/\/+$/, '') !== PASSWORD_PATH) {
    return <Navigate to={passwordPath(next)} replace />
  }
  return children
}
