import { useCallback, useEffect, useState, type ReactNode } from 'react'
import { useNavigate } from 'react-router-dom'
import { ApiError, TOKEN_EXPIRED, UNAUTHENTICATED, getMe, logout, type Me } from '../api'
import { GiftIcon, GroupIcon, WalletIcon } from '../icons'
import { ErrorState, Loading } from './states'

type State = { me: Me } | { error: ApiError } | null

export default function Home() {
  const navigate = useNavigate()
  const [state, setState] = useState<State>(null)
  const [loggingOut, setLoggingOut] = useState(false)
  const [logoutError, setLogoutError] = useState('')

  const load = useCallback(() => {
    setState(null)
    getMe().then(
      (me) => setState({ me }),
      (error: ApiError) => setState({ error }),
    )
  }, [])
  useEffect(load, [load])

  if (state === null) return <Loading />
  if ('error' in state) {
    const { code, message } = state.error
    // The API client is already on its way to WeChat login.
    if (code === UNAUTHENTICATED || code === TOKEN_EXPIRED) return <Loading text="正在前往微信登录…" />
    return <ErrorState title="加载失败" msg={message} action="重试" onAction={load} />
  }

  const { me } = state
  const onLogout = async () => {
    setLoggingOut(true)
    setLogoutError('')
    try {
      await logout()
      navigate('/login', { replace: true, state: { loggedOut: true } })
    } catch (e) {
      setLogoutError((e as ApiError).message)
      setLoggingOut(false)
    }
  }

  return (
    <div className="page home">
      <header className="profile">
        <img className="avatar" src={me.avatar_url} alt="头像" />
        <div className="profile-main">
          <div className="nickname" data-testid="nickname">
            {me.nickname}
          </div>
          <div className="invite">
            邀请码 <span className="invite-code">{me.invite_code}</span>
          </div>
          {(me.snapshot || me.frozen) && (
            <div className="badges">
              {me.snapshot && (
                <span className="badge badge-warn" data-testid="snapshot-badge">
                  快照用户：仅可浏览
                </span>
              )}
              {me.frozen && <span className="badge badge-danger">账号已冻结</span>}
            </div>
          )}
        </div>
      </header>

      <section className="card">
        <div className="row">
          <span>手机号</span>
          <span className={me.phone_bound ? '' : 'muted'}>{me.phone_bound ? me.phone_masked : '未绑定'}</span>
        </div>
        <div className="row">
          <span>实名认证</span>
          <span className={me.identity_verified ? '' : 'muted'}>{me.identity_verified ? '已认证' : '未认证'}</span>
        </div>
      </section>

      <Feature icon={<GroupIcon />} title="我的群" desc="带机器人进群，群越活跃，每日收益越高" />
      <Feature icon={<WalletIcon />} title="我的钱包" desc="查看余额与收益明细，提现到微信零钱" />
      <Feature icon={<GiftIcon />} title="邀请好友" desc="邀请好友成为徒弟，一起赚取额外奖励" />

      {logoutError && (
        <p className="form-error" role="alert">
          {logoutError}
        </p>
      )}
      <button className="btn btn-outline btn-block" onClick={onLogout} disabled={loggingOut}>
        {loggingOut ? '正在退出…' : '退出登录'}
      </button>
    </div>
  )
}

function Feature({ icon, title, desc }: { icon: ReactNode; title: string; desc: string }) {
  return (
    <section className="card feature" aria-disabled="true">
      <div className="feature-icon">{icon}</div>
      <div className="feature-main">
        <h2>{title}</h2>
        <p>{desc}</p>
      </div>
      <span className="tag">即将上线</span>
    </section>
  )
}
