import { useState, type ReactNode } from 'react'
import { NavLink, Outlet, useNavigate } from 'react-router-dom'
import { ROLE_LABELS, isAdmin, logout } from './api'
import { useAuth } from './auth'
import { ToastProvider } from './components/toast'
import {
  ChatIcon,
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
  adminOnly?: boolean
}

/** Menu entries still to be built: shown greyed out. */
const UPCOMING = [{ label: '资金', icon: <MoneyIcon /> }]

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
  { to: '/operators', label: '操作员', icon: <KeyIcon />, testId: 'nav-operators', adminOnly: true },
]

const menuLink = ({ to, label, icon, testId }: Entry) => (
  <NavLink key={to} to={to} className="menu-item" data-testid={testId}>
    {icon}
    {label}
  </NavLink>
)

export default function Layout() {
  const { operator, setOperator } = useAuth()
  const navigate = useNavigate()
  const [busy, setBusy] = useState(false)
  const admin = isAdmin(operator?.role)

  const onLogout = async () => {
    setBusy(true)
    // Whatever the server says, this browser is done with the session.
    await logout().catch(() => undefined)
    navigate('/login', { replace: true })
    setOperator(null)
  }

  return (
    <ToastProvider>
      <aside className="sidebar">
        <div className="brand">
          <Logo />
          <span>群宠运营后台</span>
        </div>
        <nav className="menu" data-testid="menu">
          <NavLink to="/" end className="menu-item" data-testid="nav-dashboard">
            <DashboardIcon />
            仪表盘
          </NavLink>
          <NavLink to="/users" className="menu-item" data-testid="nav-users">
            <UsersIcon />
            用户
          </NavLink>
          {UPCOMING.map(({ label, icon }) => (
            <span key={label} className="menu-item disabled" aria-disabled="true" title="即将上线">
              {icon}
              {label}
              <small>即将上线</small>
            </span>
          ))}
          <div className="menu-group">机器人与群</div>
          {ROBOTS.map(menuLink)}
          <div className="menu-group">内容</div>
          {CONTENT.map(menuLink)}
          <div className="menu-group">系统</div>
          {SYSTEM.filter((entry) => admin || !entry.adminOnly).map(menuLink)}
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
