import { Suspense, lazy, useEffect, useRef, useState } from 'react'
import { Route, Routes, useLocation, useNavigate } from 'react-router-dom'
import { onMaintenance } from './api'
import { inviteErrorMessage, withoutInviteError } from './lib/format'
import Home from './pages/Home'
import Login from './pages/Login'
import Maintenance from './pages/Maintenance'
import NotFound from './pages/NotFound'
import { Loading } from './pages/states'
import { pageTitle } from './lib/titles'
import { track } from './track'

// Every page but the first (home, and the login it may lead to) is loaded when it is opened.
const BindPhone = lazy(() => import('./pages/BindPhone'))
const Broadcasts = lazy(() => import('./pages/Broadcasts'))
const GroupDetail = lazy(() => import('./pages/GroupDetail'))
const Groups = lazy(() => import('./pages/Groups'))
const Identity = lazy(() => import('./pages/Identity'))
const Invite = lazy(() => import('./pages/Invite'))
const Keywords = lazy(() => import('./pages/Keywords'))
const Robots = lazy(() => import('./pages/Robots'))
const Wallet = lazy(() => import('./pages/Wallet'))
const Withdraw = lazy(() => import('./pages/Withdraw'))
const WithdrawalDetail = lazy(() => import('./pages/WithdrawalDetail'))
const Withdrawals = lazy(() => import('./pages/Withdrawals'))

export default function App() {
  const location = useLocation()
  const navigate = useNavigate()
  const [maintenance, setMaintenance] = useState<string | null>(null)
  const [inviteNotice, setInviteNotice] = useState<string | null>(null)

  // A login through a broken invite link comes back with ?invite_error=: say so once, and take
  // the parameter out of the address so a reload does not say it again.
  useEffect(() => {
    const notice = inviteErrorMessage(location.search)
    if (notice === null) return
    setInviteNotice(notice)
    navigate({ pathname: location.pathname, search: withoutInviteError(location.search), hash: location.hash }, { replace: true })
  }, [location, navigate])

  useEffect(() => onMaintenance(setMaintenance), [])

  // Each page its own title (a page may name itself better once loaded: a group by its name).
  useEffect(() => {
    document.title = maintenance !== null ? '系统维护中 · 群宠' : pageTitle(location.pathname)
  }, [location.pathname, maintenance])

  // One page_view per navigation, the first included (the key tells StrictMode's re-run apart).
  const tracked = useRef<string | null>(null)
  useEffect(() => {
    if (tracked.current === location.key) return
    tracked.current = location.key
    track('page_view', location.search ? { search: location.search } : undefined)
  }, [location])

  if (maintenance !== null) return <Maintenance msg={maintenance} />
  return (
    <>
      {inviteNotice && (
        <div className="notice" role="alert" data-testid="invite-error">
          <span>{inviteNotice}</span>
          <button type="button" className="notice-close" aria-label="关闭" onClick={() => setInviteNotice(null)}>
            ×
          </button>
        </div>
      )}
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/" element={<Home />} />
          <Route path="/login" element={<Login />} />
          <Route path="/bind-phone" element={<BindPhone />} />
          <Route path="/identity" element={<Identity />} />
          <Route path="/invite" element={<Invite />} />
          <Route path="/robots" element={<Robots />} />
          <Route path="/groups" element={<Groups />} />
          <Route path="/groups/:id" element={<GroupDetail />} />
          <Route path="/keywords" element={<Keywords />} />
          <Route path="/broadcasts" element={<Broadcasts />} />
          <Route path="/wallet" element={<Wallet />} />
          <Route path="/withdraw" element={<Withdraw />} />
          <Route path="/withdrawals" element={<Withdrawals />} />
          <Route path="/withdrawals/:id" element={<WithdrawalDetail />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Suspense>
    </>
  )
}
