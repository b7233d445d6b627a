import { startTransition, useState, type ReactNode } from 'react'
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom'
import { ROLE_LABELS, canFinance, isAdmin, logout, type Role } from './api'
import { useAuth } from './auth'
import { ToastProvider } from './components/toast'
import { PASSWORD_PATH, passwordPath } from './lib/password'
import {
  CalendarIcon,
  ChatIcon,
  CheckIcon,
  ClockIcon,
  DashboardIcon,
  InboxIcon,
  KeyIcon,
  LinkIcon,
  ListIcon,
  LogoutIcon,
  Logo,
  MegaphoneIcon,
  MoneyIcon,
  RobotIcon,
  ScaleIcon,
  SendIcon,
  SettingsIcon,
  ShieldIcon,
  ToolIcon,
  UsersIcon,
} from './icons'

interface Entry {
  to: string
  label: string
  icon: ReactNode
  testId: string
  /** Whether the operator's role sees the entry (default: every role); the API refuses the others. */
  allowed?: (role: Role | undefined) => boolean
  /** Active only on its own path, not below it (the dashboard's "/"). */
  end?: boolean
}

const MONEY: Entry[] = [
  { to: '/withdrawals', label: '提现管理', icon: <MoneyIcon />, testId: 'nav-withdrawals', allowed: canFinance },
  { to: '/settlements', label: '结算', icon: <CalendarIcon />, testId: 'nav-settlements', allowed: canFinance },
  { to: '/reconciliation', label: '对账', icon: <ScaleIcon />, testId: 'nav-reconciliation', allowed: canFinance },
  { to: '/ledger-audit', label: '账本校验', icon: <CheckIcon />, testId: 'nav-ledger-audit', allowed: canFinance },
]

const ROBOTS: Entry[] = [
  { to: '/robots', label: '机器人', icon: <RobotIcon />, testId: 'nav-robots' },
  { to: '/distribution', label: '分配策略', icon: <ClockIcon />, testId: 'nav-distribution' },
  { to: '/groups', label: '群组', icon: <ChatIcon />, testId: 'nav-groups' },
  { to: '/campaigns', label: '广告投放', icon: <SendIcon />, testId: 'nav-campaigns' },
]

const CONTENT: Entry[] = [
  { to: '/sensitive-words', label: '敏感词', icon: <ShieldIcon />, testId: 'nav-sensitive-words' },
  { to: '/marquees', label: '走马灯', icon: <MegaphoneIcon />, testId: 'nav-marquees' },
  { to: '/short-links', label: '短链接', icon: <LinkIcon />, testId: 'nav-short-links' },
]

const SYSTEM: Entry[] = [
  { to: '/maintenance', label: '维护模式', icon: <ToolIcon />, testId: 'nav-maintenance' },
  { to: '/settings', label: '系统设置', icon: <SettingsIcon />, testId: 'nav-settings' },
  { to: '/audit-log', label: '操作日志', icon: <ListIcon />, testId: 'nav-audit-log' },
  { to: '/dead-letters', label: '死信', icon: <InboxIcon />, testId: 'nav-dead-letters' },
  { to: '/operators', label: '操作员', icon: <KeyIcon />, testId: 'nav-operators', allowed: isAdmin },
]

/**
 * A menu entry: its link, or (`locked`, while the operator must first choose a new password)
 * the same entry greyed out and inert.
 */
function MenuLink({ to, label, icon, testId, end, locked }: Entry & { locked: boolean }) {
  if (locked) {
    return (
      <span className="menu-item disabled" aria-disabled="true" title="请先修改密码" data-testid={testId}>
        {icon}
        {label}
      </span>
    )
  }
  return (
    <NavLink to={to} end={end} className="menu-item" data-testid={testId}>
      {icon}
      {label}
    </NavLink>
  )
}

export default function Layout() {
  const { operator, setOperator } = useAuth()
  const navigate = useNavigate()
  const { pathname, search } = useLocation()
  const [busy, setBusy] = useState(false)
  const visible = (entries: Entry[]) => entries.filter((entry) => entry.allowed?.(operator?.role) ?? true)
  const money = visible(MONEY)
  // Until a password made for them is changed, nothing but 修改密码 and 退出 is open.
  const locked = !!operator?.must_change_password
  const menuLink = (entry: Entry) => <MenuLink key={entry.to} {...entry} locked={locked} />
  const onPasswordPage = pathname.replace(/\/+$/, '') === PASSWORD_PATH

  const onLogout = async () => {
    setBusy(true)
    // Whatever the server says, this browser is done with the session.
    await logout().catch(() => undefined)
    navigate('/login', { replace: true })
    // In the router's transition too: rendered apart, the page would see no operator first and
    // send the login page back to it (?next=) as if the session had expired.
    startTransition(() => setOperator(null))
  }

  return (
    <ToastProvider>
      <aside className="sidebar">
        <div className="brand">
          <Logo />
          <span>群宠运营后台</span>
        </div>
        <nav className="menu" data-testid="menu">
          {menuLink({ to: '/', label: '仪表盘', icon: <DashboardIcon />, testId: 'nav-dashboard', end: true })}
          {menuLink({ to: '/users', label: '用户', icon: <UsersIcon />, testId: 'nav-users' })}
          {money.length > 0 && <div className="menu-group">资金</div>}
          {money.map(menuLink)}
          <div className="menu-group">机器人与群</div>
          {ROBOTS.map(menuLink)}
          <div className="menu-group">内容</div>
          {CONTENT.map(menuLink)}
          <div className="menu-group">系统</div>
          {visible(SYSTEM).map(menuLink)}
        </nav>
      </aside>
      <div className="main">
        <header className="topbar">
          <div className="topbar-user">
            <span className="user-avatar" aria-hidden="true">
              {operator?.username.slice(0, 1).toUpperCase()}
            </span>
            <span className="user-name" data-testid="operator-name">
              {operator?.username}
            </span>
            {operator && (
              <span className="role-tag" data-testid="operator-role">
                {ROLE_LABELS[operator.role] ?? operator.role}
              </span>
            )}
            <button
              className="btn btn-ghost"
              data-testid="change-password"
              disabled={onPasswordPage}
              onClick={() => navigate(passwordPath(pathname + search))}
            >
              <KeyIcon />
              修改密码
            </button>
            <button className="btn btn-ghost" onClick={onLogout} disabled={busy}>
              <LogoutIcon />
              退出
            </button>
          </div>
        </header>
        <main className="content">
          <Outlet />
        </main>
      </div>
    </ToastProvider>
  )
}
