import { Button } from 'antd-mobile'
import { useLocation, useSearchParams } from 'react-router-dom'
import { startLogin } from '../api'
import { PawIcon } from '../icons'
import { loginFailure } from '../lib/format'
import { ErrorState } from './states'

/**
 * Where a failed WeChat login lands (`?error=<code>&msg=<message>`) and where logging out
 * leads. It never starts a login by itself: only the button does.
 */
export default function Login() {
  const [params] = useSearchParams()
  const loggedOut = (useLocation().state as { loggedOut?: boolean } | null)?.loggedOut === true
  const login = () => startLogin('/', true)
  const error = params.get('error')

  if (error) {
    // The code is for the logs; the owner reads what happened and what to do.
    console.warn('login failed', error)
    return (
      <ErrorState title="登录失败" msg={loginFailure(params.get('msg'))} action="重新登录" onAction={login} testId="login-failed" />
    )
  }
  return (
    <div className="page center">
      <div className="brand-mark">
        <PawIcon size={40} />
      </div>
      <h1 className="state-title">{loggedOut ? '已退出登录' : '欢迎来到群宠'}</h1>
      <p className="state-msg">{loggedOut ? '期待您再次回来' : '让群更热闹，让群主有收益'}</p>
      <Button color="primary" className="state-action" onClick={login}>
        {loggedOut ? '重新登录' : '微信登录'}
      </Button>
    </div>
  )
}
