// While maintenance mode is on, every console page says so at its top (with a link to the
// maintenance page). The maintenance page announces its changes here at once.
import { useEffect, useState } from 'react'
import { Alert } from 'antd'
import { Link, useLocation } from 'react-router-dom'
import { getMaintenance, type Maintenance } from '../api'

const listeners = new Set<(state: Maintenance) => void>()

/** Tells the banner the state just saved (the maintenance page calls it). */
export function announceMaintenance(state: Maintenance): void {
  listeners.forEach((listener) => listener(state))
}

export default function MaintenanceBanner() {
  const { pathname } = useLocation()
  const [state, setState] = useState<Maintenance | null>(null)

  // Asked again on every page change, so another operator's switch shows up soon enough.
  useEffect(() => {
    let alive = true
    getMaintenance().then(
      (answer) => alive && setState(answer),
      () => undefined,
    )
    return () => {
      alive = false
    }
  }, [pathname])
  useEffect(() => {
    listeners.add(setState)
    return () => {
      listeners.delete(setState)
    }
  }, [])

  if (!state?.enabled) return null
  return (
    <Alert
      banner
      type="warning"
      showIcon
      data-testid="maintenance-banner"
      title={
        <span>
          维护模式已开启：群主端（H5）暂停使用，显示“{state.message || '系统维护中'}”。
          {pathname !== '/maintenance' && (
            <>
              {' '}
              <Link to="/maintenance" data-testid="maintenance-banner-link">
                前往维护模式关闭
              </Link>
            </>
          )}
        </span>
      }
    />
  )
}
