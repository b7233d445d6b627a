import { Navigate, Route, Routes } from 'react-router-dom'
import { AuthProvider, RequireAuth } from './auth'
import Layout from './Layout'
import AuditLog from './pages/AuditLog'
import Campaigns from './pages/Campaigns'
import Dashboard from './pages/Dashboard'
import DeadLetters from './pages/DeadLetters'
import Distribution from './pages/Distribution'
import GroupDetail from './pages/GroupDetail'
import Groups from './pages/Groups'
import LedgerAudit from './pages/LedgerAudit'
import Login from './pages/Login'
import Maintenance from './pages/Maintenance'
import Marquees from './pages/Marquees'
import Operators from './pages/Operators'
import Password from './pages/Password'
import Reconciliation from './pages/Reconciliation'
import Robots from './pages/Robots'
import SensitiveWords from './pages/SensitiveWords'
import Settings from './pages/Settings'
import Settlements from './pages/Settlements'
import ShortLinks from './pages/ShortLinks'
import UserDetail from './pages/UserDetail'
import Users from './pages/Users'
import Withdrawals from './pages/Withdrawals'

export default function App() {
  return (
    <AuthProvider>
      <Routes>
        <Route path="/login" element={<Login />} />
        <Route
          element={
            <RequireAuth>
              <Layout />
            </RequireAuth>
          }
        >
          <Route index element={<Dashboard />} />
          <Route path="users" element={<Users />} />
          <Route path="users/:id" element={<UserDetail />} />
          <Route path="withdrawals" element={<Withdrawals />} />
          <Route path="settlements" element={<Settlements />} />
          <Route path="reconciliation" element={<Reconciliation />} />
          <Route path="ledger-audit" element={<LedgerAudit />} />
          <Route path="robots" element={<Robots />} />
          <Route path="distribution" element={<Distribution />} />
          <Route path="groups" element={<Groups />} />
          <Route path="groups/:id" element={<GroupDetail />} />
          <Route path="campaigns" element={<Campaigns />} />
          <Route path="sensitive-words" element={<SensitiveWords />} />
          <Route path="marquees" element={<Marquees />} />
          <Route path="short-links" element={<ShortLinks />} />
          <Route path="maintenance" element={<Maintenance />} />
          <Route path="settings" element={<Settings />} />
          <Route path="audit-log" element={<AuditLog />} />
          <Route path="dead-letters" element={<DeadLetters />} />
          <Route path="operators" element={<Operators />} />
          <Route path="password" element={<Password />} />
        </Route>
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </AuthProvider>
  )
}
