// The H5 app's API client. Every answer is the envelope `{code, msg, data}`; the session
// lives in the HttpOnly cookie `gpet_h5`, which the app never sees.

import {
  ApiError,
  OK,
  TOKEN_EXPIRED,
  UNAUTHENTICATED,
  fetchEnvelope,
  unavailable,
  type Envelope,
} from '@gpet/common/api'

export { ApiError, NETWORK_ERROR, OK, TOKEN_EXPIRED, UNAUTHENTICATED } from '@gpet/common/api'
export const MAINTENANCE = 1503

export interface Me {
  id: number | string
  nickname: string
  avatar_url: string
  invite_code: string
  phone_bound: boolean
  phone_masked: string | null
  identity_verified: boolean
  frozen: boolean
  snapshot: boolean
  created_at: string
}

interface Options {
  method?: string
  body?: unknown
  /** Whether a missing or dead session sends the browser to WeChat login (default true). */
  login?: boolean
}

const maintenanceListeners = new Set<(msg: string) => void>()

/** Calls `listener` with the server's message whenever an answer says 1503 (maintenance). */
export function onMaintenance(listener: (msg: string) => void): () => void {
  maintenanceListeners.add(listener)
  return () => maintenanceListeners.delete(listener)
}

async function send<T>(path: string, { method = 'GET', body }: Options): Promise<Envelope<T>> {
  const answer = await fetchEnvelope<T>(path, { method, body })
  let env = answer.env
  // Behind CloudFront a 503 arrives as the static maintenance page, not as our envelope.
  if (answer.status === 503 && !env) env = { code: MAINTENANCE, msg: '系统维护中，请稍后再试', data: null as T }
  if (!env) throw unavailable()
  if (env.code === MAINTENANCE) maintenanceListeners.forEach((listener) => listener(env.msg))
  return env
}

let refreshing: Promise<boolean> | null = null

/** Renews the 1-hour token while the session lives; concurrent callers share one request. */
function refresh(): Promise<boolean> {
  refreshing ??= send('/api/auth/refresh', { method: 'POST' })
    .then((env) => env.code === OK)
    .finally(() => {
      refreshing = null
    })
  return refreshing
}

/** Calls the API and answers `data`; throws ApiError with the server's code and message. */
export async function api<T>(path: string, options: Options = {}): Promise<T> {
  let env = await send<T>(path, options)
  if (env.code === TOKEN_EXPIRED) {
    env = (await refresh())
      ? await send<T>(path, options)
      : { code: UNAUTHENTICATED, msg: '登录已过期，请重新登录', data: null as T }
  }
  if (env.code === OK) return env.data
  if ((env.code === UNAUTHENTICATED || env.code === TOKEN_EXPIRED) && options.login !== false) {
    startLogin()
  }
  throw new ApiError(env.code, env.msg)
}

export const getMe = () => api<Me>('/api/me')

/** Ends the session; a session that is already gone counts as logged out. */
export async function logout(): Promise<void> {
  try {
    await api('/api/auth/logout', { method: 'POST', login: false })
  } catch (e) {
    if (!(e instanceof ApiError && e.code === UNAUTHENTICATED)) throw e
  }
}

// --- WeChat login ------------------------------------------------------------------------

export function loginUrl(redirect: string, invite?: string | null): string {
  const params = new URLSearchParams({ redirect })
  if (invite) params.set('invite', invite)
  return `/api/auth/wechat/authorize?${params}`
}

// A session cookie that never sticks would otherwise bounce the user between the app and
// WeChat forever: past a few automatic logins in a short while, stop on the login page.
const ATTEMPTS_KEY = 'gpet.login_attempts'
const ATTEMPTS_WINDOW_MS = 60_000
const MAX_ATTEMPTS = 3

function tooManyAttempts(): boolean {
  try {
    const now = Date.now()
    const recent = (JSON.parse(window.sessionStorage.getItem(ATTEMPTS_KEY) ?? '[]') as number[]).filter(
      (t) => now - t < ATTEMPTS_WINDOW_MS,
    )
    if (recent.length >= MAX_ATTEMPTS) return true
    window.sessionStorage.setItem(ATTEMPTS_KEY, JSON.stringify([...recent, now]))
  } catch {
    // No storage (private mode): no loop protection.
  }
  return false
}

/**
 * Sends the browser through WeChat login, back to the current page (or `redirect`). The
 * login page itself is never a target, so it cannot loop. `manual` is a person's click:
 * it always goes, and resets the loop protection.
 */
export function startLogin(redirect?: string, manual = false): void {
  const { pathname, search } = window.location
  if (manual) {
    try {
      window.sessionStorage.removeItem(ATTEMPTS_KEY)
    } catch {
      // No storage: nothing to reset.
    }
  } else if (tooManyAttempts()) {
    const params = new URLSearchParams({
      error: String(UNAUTHENTICATED),
      msg: '登录未能完成，请确认已允许保存登录状态后重试',
    })
    window.location.assign(`/login?${params}`)
    return
  }
  const target = redirect ?? (pathname === '/login' ? '/' : pathname + search)
  window.location.assign(loginUrl(target, new URLSearchParams(search).get('invite')))
}
