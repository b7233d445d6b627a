import { useEffect, useRef, useState } from 'react'
import { Route, Routes, useLocation } from 'react-router-dom'
import { onMaintenance } from './api'
import BindPhone from './pages/BindPhone'
import Home from './pages/Home'
import Identity from './pages/Identity'
import Invite from './pages/Invite'
import Login from './pages/Login'
import Maintenance from './pages/Maintenance'
import NotFound from './pages/NotFound'
import { track } from './track'

export default function App() {
  const location = useLocation()
  const [maintenance, setMaintenance] = useState<string | null>(null)

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
    <Routes>
      <Route path="/" element={<Home />} />
      <Route path="/login" element={<Login />} />
      <Route path="/bind-phone" element={<BindPhone />} />
      <Route path="/identity" element={<Identity />} />
      <Route path="/invite" element={<Invite />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  )
}
