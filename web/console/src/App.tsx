import { Suspense, lazy, useEffect, type ReactNode } from 'react'
import { Spin } from 'antd'
import { Navigate, Outlet, RouterProvider, createBrowserRouter, type RouteObject } from 'react-router-dom'
import { AuthProvider, RequireAuth, useAuth } from './auth'
import { Forbidden } from './components/LoadState'
import Layout from './Layout'
import { PAGES, documentTitle, mayOpen } from './lib/routes'
import Login from './pages/Login'

// Each page's code is loaded when it is first opened (the login page comes with the app).
const AuditLog = lazy(() => import('./pages/AuditLog'))
const Campaigns = lazy(() => import('./pages/Campaigns'))
const Dashboard = lazy(() => import('./pages/Dashboard'))
const DeadLetters = lazy(() => import('./pages/DeadLetters'))
const Distribution = lazy(() => import('./pages/Distribution'))
const GroupDetail = lazy(() => import('./pages/GroupDetail'))
const Groups = lazy(() => import('./pages/Groups'))
const LedgerAudit = lazy(() => import('./pages/LedgerAudit'))
const Maintenance = lazy(() => import('./pages/Maintenance'))
const Marquees = lazy(() => import('./pages/Marquees'))
const Operators = lazy(() => import('./pages/Operators'))
const Password = lazy(() => import('./pages/Password'))
const Reconciliation = lazy(() => import('./pages/Reconciliation'))
const Robots = lazy(() => import('./pages/Robots'))
const SensitiveWords = lazy(() => import('./pages/SensitiveWords'))
const Settings = lazy(() => import('./pages/Settings'))
const Settlements = lazy(() => import('./pages/Settlements'))
const ShortLinks = lazy(() => import('./pages/ShortLinks'))
const UserDetail = lazy(() => import('./pages/UserDetail'))
const Users = lazy(() => import('./pages/Users'))
const Withdrawals = lazy(() => import('./pages/Withdrawals'))

const ELEMENTS: Record<string, ReactNode> = {
  '/': <Dashboard />,
  '/users': <Users />,
  '/users/:id': <UserDetail />,
  '/withdrawals': <Withdrawals />,
  '/settlements': <Settlements />,
  '/reconciliation': <Reconciliation />,
  '/ledger-audit': <LedgerAudit />,
  '/robots': <Robots />,
  '/distribution': <Distribution />,
  '/groups': <Groups />,
  '/groups/:id': <GroupDetail />,
  '/campaigns': <Campaigns />,
  '/sensitive-words': <SensitiveWords />,
  '/marquees': <Marquees />,
  '/short-links': <ShortLinks />,
  '/maintenance': <Maintenance />,
  '/settings': <Settings />,
  '/audit-log': <AuditLog />,
  '/dead-letters': <DeadLetters />,
  '/operators': <Operators />,
  '/password': <Password />,
}

/** Sets the browser tab's title while shown. */
export function Title({ title }: { title?: string }) {
  useEffect(() => {
    document.title = documentTitle(title)
  }, [title])
  return null
}

/**
 * A page behind its role check: an operator whose role may not see it gets 无权限 at once, and
 * the page (its controls, its requests) never renders.
 */
function Page({ info, children }: { info: (typeof PAGES)[number]; children: ReactNode }) {
  const { operator } = useAuth()
  return (
    <>
      <Title title={info.title} />
      {mayOpen(info.access, operator?.role) ? (
        <Suspense
          fallback={
            <div className="state" data-testid="loading">
              <Spin description="加载中…" />
            </div>
          }
        >
          {children}
        </Suspense>
      ) : (
        <Forbidden message="你的角色无权查看此页面，如需使用请联系管理员" />
      )}
    </>
  )
}

const routes: RouteObject[] = [
  {
    element: (
      <AuthProvider>
        <Outlet />
      </AuthProvider>
    ),
    children: [
      {
        path: '/login',
        element: (
          <>
            <Title title="登录" />
            <Login />
          </>
        ),
      },
      {
        element: (
          <RequireAuth>
            <Layout />
          </RequireAuth>
        ),
        children: PAGES.map((info) => ({
          ...(info.path === '/' ? { index: true } : { path: info.path.slice(1) }),
          element: <Page info={info}>{ELEMENTS[info.path]}</Page>,
        })),
      },
      { path: '*', element: <Navigate to="/" replace /> },
    ],
  },
]

const router = createBrowserRouter(routes, { basename: '/console' })

export default function App() {
  return <RouterProvider router={router} />
}
