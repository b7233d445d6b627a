import { useEffect, useRef, useState } from 'react'
import { Route, Routes, useLocation, useNavigate } from 'react-router-dom'
import { onMaintenance } from './api'
import { inviteErrorMessage, withoutInviteError } from './lib/format'
import BindPhone from './pages/BindPhone'
import Broadcasts from './pages/Broadcasts'
import GroupDetail from './pages/GroupDetail'
import Groups from './pages/Groups'
import Home from './pages/Home'
import Identity from './pages/Identity'
import Invite from './pages/Invite'
import Keywords from './pages/Keywords'
import Login from './pages/Login'
import Maintenance from './pages/Maintenance'
import NotFound from './pages/NotFound'
import Robots from './pages/Robots'
import Wallet from './pages/Wallet'
import Withdraw from './pages/Withdraw'
import WithdrawalDetail from './pages/WithdrawalDetail'
import Withdrawals from './pages/Withdrawals'
import { track } from './track'

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
    </>
  )
}
