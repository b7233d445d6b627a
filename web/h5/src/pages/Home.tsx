import { Button, List, NoticeBar } from 'antd-mobile'
import { useEffect, useState, type ReactNode } from 'react'
import { Link, useNavigate } from 'react-router-dom'
import { type ApiError, type HomeData, type Me, type MarqueeNotice, getHome, getMe, getReferral, logout } from '../api'
import { useLoad } from '../hooks'
import { ChevronIcon, GiftIcon, GroupIcon, KeyIcon, MegaphoneIcon, PhoneIcon, RobotIcon, SpeakerIcon, WalletIcon } from '../icons'
import { inviteCard, shareQuietly } from '../wechat'
import { LoadError, Loading } from './states'

/** The profile, and the home extras when they came (the page works without them). */
async function loadHome(): Promise<{ me: Me; home: HomeData | null }> {
  const home = getHome().catch(() => null)
  const me = await getMe()
  return { me, home: await home }
}

/** The home page is shared as the owner's invite, as the invite page is. */
async function shareInvite(me: Me) {
  const referral = await getReferral()
  shareQuietly(inviteCard(me.nickname, me.avatar_url, referral.invite_url))
}

export default function Home() {
  const navigate = useNavigate()
  const { state, reload } = useLoad(loadHome)
  const [loggingOut, setLoggingOut] = useState(false)
  const [logoutError, setLogoutError] = useState('')
  const owner = state !== null && 'data' in state ? state.data.me : null
  useEffect(() => {
    if (owner?.phone && !owner.snapshot) shareInvite(owner).catch(() => undefined)
  }, [owner])

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />

  const { me, home } = state.data
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

      <Notices notices={home?.marquees ?? []} />

      {me.phone === null && (
        <Link className="banner" to="/bind-phone" data-testid="bind-phone-banner">
          <span className="banner-icon">
            <PhoneIcon size={20} />
          </span>
          <span className="banner-text">绑定手机号，解锁机器人和提现</span>
          <ChevronIcon />
        </Link>
      )}

      <List className="card profile-list" header={<h2 className="card-title">我的资料</h2>} data-testid="profile-card">
        <List.Item
          extra={
            me.phone ? (
              <span data-testid="me-phone">{me.phone}</span>
            ) : (
              <span className="row-value">
                <span className="muted" data-testid="me-phone">
                  未绑定
                </span>
                <Link className="link" to="/bind-phone">
                  去绑定
                </Link>
              </span>
            )
          }
        >
          手机号
        </List.Item>
        <List.Item
          extra={
            me.identity ? (
              <span data-testid="me-identity">
                {me.identity.name} {me.identity.id_number}
              </span>
            ) : (
              <span className="row-value">
                <span className="muted" data-testid="me-identity">
                  未认证
                </span>
                <Link className="link" to="/identity" data-testid="identity-link">
                  去认证
                </Link>
              </span>
            )
          }
        >
          实名认证
        </List.Item>
        <List.Item
          extra={
            me.master ? (
              <span className="row-value" data-testid="me-master">
                <img className="person-avatar" src={me.master.avatar_url} alt="" width={24} height={24} loading="lazy" />
                <span className="person-name-inline" data-testid="me-master-name">
                  {me.master.nickname}
                </span>
              </span>
            ) : (
              <span className="muted" data-testid="me-master">
                暂无师傅
              </span>
            )
          }
        >
          我的师傅
        </List.Item>
      </List>

      <FeatureLink
        to="/invite"
        icon={<GiftIcon />}
        title="邀请好友"
        desc={home ? `已有 ${home.apprentices} 位徒弟，好友收益你也有分成` : '邀请好友成为徒弟，一起赚取额外奖励'}
        testId="invite-entry"
      />
      <section className="card group-nav" data-testid="group-nav">
        <h2 className="card-title">
          群运营
          <span className="card-title-extra">带机器人进群，群越活跃，每日收益越高</span>
        </h2>
        <nav className="nav-grid" aria-label="群运营">
          <NavEntry to="/robots" icon={<RobotIcon />} title="领取机器人" testId="nav-robots" />
          <NavEntry to="/groups" icon={<GroupIcon />} title="我的群" testId="nav-groups" />
          <NavEntry to="/keywords" icon={<KeyIcon />} title="关键词回复" testId="nav-keywords" />
          <NavEntry to="/broadcasts" icon={<MegaphoneIcon />} title="群发消息" testId="nav-broadcasts" />
        </nav>
      </section>
      <FeatureLink
        to="/wallet"
        icon={<WalletIcon />}
        title="我的钱包"
        desc="查看余额与收益明细，提现到微信零钱"
        testId="wallet-entry"
      />

      {logoutError && (
        <p className="form-error" role="alert">
          {logoutError}
        </p>
      )}
      <Button block className="logout" onClick={onLogout} loading={loggingOut} loadingText="正在退出…">
        退出登录
      </Button>
    </div>
  )
}

/** The live notices, scrolling; nothing when there are none. */
function Notices({ notices }: { notices: MarqueeNotice[] }) {
  if (!notices.length) return null
  return (
    <section className="notices" data-testid="marquee" aria-label="公告">
      <NoticeBar
        className="marquee-bar"
        color="info"
        icon={<SpeakerIcon />}
        content={notices.map((m) => m.text).join('　　')}
        speed={40}
      />
      <ul className="sr-only">
        {notices.map((m) => (
          <li key={m.id} data-testid="marquee-item">
            {m.text}
          </li>
        ))}
      </ul>
    </section>
  )
}

/** A card that leads to a feature's page: its icon, name and a line about it. */
function FeatureLink(props: { to: string; icon: ReactNode; title: string; desc: string; testId: string }) {
  return (
    <Link className="card feature feature-link" to={props.to} data-testid={props.testId}>
      <div className="feature-icon">{props.icon}</div>
      <div className="feature-main">
        <h2>{props.title}</h2>
        <p>{props.desc}</p>
      </div>
      <ChevronIcon />
    </Link>
  )
}

function NavEntry({ to, icon, title, testId }: { to: string; icon: ReactNode; title: string; testId: string }) {
  return (
    <Link className="nav-entry" to={to} data-testid={testId}>
      <span className="feature-icon">{icon}</span>
      <span className="nav-entry-title">{title}</span>
    </Link>
  )
}
