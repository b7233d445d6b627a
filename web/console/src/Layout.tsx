import { startTransition, useMemo, useState, type ReactNode } from 'react'
import {
  AuditOutlined,
  CalendarOutlined,
  CheckCircleOutlined,
  ClockCircleOutlined,
  CommentOutlined,
  DashboardOutlined,
  InboxOutlined,
  KeyOutlined,
  LinkOutlined,
  LogoutOutlined,
  MoneyCollectOutlined,
  NotificationOutlined,
  ReconciliationOutlined,
  RobotOutlined,
  SafetyOutlined,
  SendOutlined,
  SettingOutlined,
  TeamOutlined,
  ToolOutlined,
  UserOutlined,
} from '@ant-design/icons'
import { Avatar, Button, Layout as AntLayout, Menu, Space, Tag, Tooltip, type MenuProps } from 'antd'
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom'
import { ROLE_LABELS, logout } from './api'
import { useAuth } from './auth'
import MaintenanceBanner from './components/MaintenanceBanner'
import { Logo } from './icons'
import { PASSWORD_PATH, passwordPath } from './lib/password'
import { PAGES, ROLE_HINTS, mayOpen } from './lib/routes'

type MenuItem = NonNullable<MenuProps['items']>[number]

interface Entry {
  to: string
  icon: ReactNode
  testId: string
}

const GROUPS: Array<{ label: string | null; entries: Entry[] }> = [
  {
    label: null,
    entries: [
      { to: '/', icon: <DashboardOutlined />, testId: 'nav-dashboard' },
      { to: '/users', icon: <TeamOutlined />, testId: 'nav-users' },
    ],
  },
  {
    label: '资金',
    entries: [
      { to: '/withdrawals', icon: <MoneyCollectOutlined />, testId: 'nav-withdrawals' },
      { to: '/settlements', icon: <CalendarOutlined />, testId: 'nav-settlements' },
      { to: '/reconciliation', icon: <ReconciliationOutlined />, testId: 'nav-reconciliation' },
      { to: '/ledger-audit', icon: <CheckCircleOutlined />, testId: 'nav-ledger-audit' },
    ],
  },
  {
    label: '机器人与群',
    entries: [
      { to: '/robots', icon: <RobotOutlined />, testId: 'nav-robots' },
      { to: '/distribution', icon: <ClockCircleOutlined />, testId: 'nav-distribution' },
      { to: '/groups', icon: <CommentOutlined />, testId: 'nav-groups' },
      { to: '/campaigns', icon: <SendOutlined />, testId: 'nav-campaigns' },
    ],
  },
  {
    label: '内容',
    entries: [
      { to: '/sensitive-words', icon: <SafetyOutlined />, testId: 'nav-sensitive-words' },
      { to: '/marquees', icon: <NotificationOutlined />, testId: 'nav-marquees' },
      { to: '/short-links', icon: <LinkOutlined />, testId: 'nav-short-links' },
    ],
  },
  {
    label: '系统',
    entries: [
      { to: '/maintenance', icon: <ToolOutlined />, testId: 'nav-maintenance' },
      { to: '/settings', icon: <SettingOutlined />, testId: 'nav-settings' },
      { to: '/audit-log', icon: <AuditOutlined />, testId: 'nav-audit-log' },
      { to: '/dead-letters', icon: <InboxOutlined />, testId: 'nav-dead-letters' },
      { to: '/operators', icon: <KeyOutlined />, testId: 'nav-operators' },
    ],
  },
]

const pageOf = (to: string) => PAGES.find((p) => p.path === to)!

/** The menu's key of a path: its first segment ("/users/12" → "/users"). */
export const menuKey = (pathname: string): string => '/' + (pathname.split('/')[1] ?? '')

export default function Layout() {
  const { operator, setOperator } = useAuth()
  const navigate = useNavigate()
  const { pathname, search } = useLocation()
  const [busy, setBusy] = useState(false)
  // Until a password made for them is changed, nothing but 修改密码 and 退出 is open.
  const locked = !!operator?.must_change_password
  const onPasswordPage = pathname.replace(/\/+$/, '') === PASSWORD_PATH

  const items = useMemo<MenuProps['items']>(() => {
    const item = ({ to, icon, testId }: Entry) => {
      const { title } = pageOf(to)
      return {
        key: to,
        icon,
        disabled: locked,
        title: locked ? '请先修改密码' : title,
        // A real link (opens in a new tab too); greyed out and inert while locked.
        label: locked ? (
          <span data-testid={testId} aria-disabled="true">
            {title}
          </span>
        ) : (
          <Link to={to} data-testid={testId}>
            {title}
          </Link>
        ),
      }
    }
    return GROUPS.flatMap(({ label, entries }): MenuItem[] => {
      const shown = entries.filter((e) => mayOpen(pageOf(e.to).access, operator?.role))
      if (shown.length === 0) return []
      return label ? [{ type: 'group' as const, key: label, label, children: shown.map(item) }] : shown.map(item)
    })
  }, [locked, operator?.role])

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
    <AntLayout style={{ minHeight: '100vh' }}>
      <AntLayout.Sider width={216} theme="light" className="sidebar" style={{ position: 'sticky', top: 0, height: '100vh', overflow: 'auto' }}>
        <div className="brand">
          <Logo />
          <span>群宠运营后台</span>
        </div>
        <nav data-testid="menu">
          <Menu
            mode="inline"
            items={items}
            selectedKeys={[menuKey(pathname)]}
            style={{ borderInlineEnd: 'none' }}
          />
        </nav>
      </AntLayout.Sider>
      <AntLayout>
        <AntLayout.Header className="topbar">
          <Space size={12}>
            <Avatar size="small" style={{ background: '#1677ff' }} icon={<UserOutlined />} />
            <span className="user-name" data-testid="operator-name">
              {operator?.username}
            </span>
            {operator && (
              <Tooltip title={ROLE_HINTS[operator.role]}>
                <Tag color="blue" data-testid="operator-role">
                  {ROLE_LABELS[operator.role] ?? operator.role}
                </Tag>
              </Tooltip>
            )}
            <Button
              type="text"
              icon={<KeyOutlined />}
              data-testid="change-password"
              disabled={onPasswordPage}
              onClick={() => navigate(passwordPath(pathname + search))}
            >
              修改密码
            </Button>
            <Button type="text" icon={<LogoutOutlined />} onClick={onLogout} disabled={busy}>
              退出
            </Button>
          </Space>
        </AntLayout.Header>
        <MaintenanceBanner />
        <AntLayout.Content className="content">
          <Outlet />
        </AntLayout.Content>
      </AntLayout>
    </AntLayout>
  )
}
