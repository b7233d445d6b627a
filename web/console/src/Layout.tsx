import { useState } from 'react'
import { NavLink, Outlet, useNavigate } from 'react-router-dom'
import { ROLE_LABELS, logout } from './api'
import { useAuth } from './auth'
import {
  ChatIcon,
  ContentIcon,
  DashboardIcon,
  LogoutIcon,
  Logo,
  MoneyIcon,
  RobotIcon,
  SettingsIcon,
  UsersIcon,
} from './icons'

/** Menu entries still to be built: shown greyed out. */
const UPCOMING = [
  { label: '用户', icon: <UsersIcon /> },
  { label: '机器人', icon: <RobotIcon /> },
  { label: '群组', icon: <ChatIcon /> },
  { label: '资金', icon: <MoneyIcon /> },
  { label: '内容', icon: <ContentIcon /> },
  { label: '设置', icon: <SettingsIcon /> },
]

export default function Layout() {
  const { operator, setOperator } = useAuth()
  const navigate = useNavigate()
  const [busy, setBusy] = useState(false)

  const onLogout = async () => {
    setBusy(true)
    // Whatever the server says, this browser is done with the session.
    await logout().catch(() => undefined)
    navigate('/login', { replace: true })
    setOperator(null)
  }

  return (
    <>
      <aside className="sidebar">
        <div className="brand">
          <Logo />
          <span>群宠运营后台</span>
        </div>
        <nav className="menu">
          <NavLink to="/" end className="menu-item">
            <DashboardIcon />
            仪表盘
          </NavLink>
          {UPCOMING.map(({ label, icon }) => (
            <span key={label} className="menu-item disabled" aria-disabled="true" title="即将上线">
              {icon}
              {label}
              <small>即将上线</small>
            </span>
          ))}
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
            {operator && <span className="role-tag">{ROLE_LABELS[operator.role] ?? operator.role}</span>}
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
    </>
  )
}
