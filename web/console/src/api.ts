// The console's API client. Every answer is the envelope `{code, msg, data}`; the session
// lives in the HttpOnly cookie `gpet_console`.

import { ApiError, OK, TOKEN_EXPIRED, UNAUTHENTICATED, fetchEnvelope, unavailable } from '@gpet/common/api'

export { ApiError, NETWORK_ERROR, OK, TOKEN_EXPIRED, UNAUTHENTICATED } from '@gpet/common/api'

export type Role = 'admin' | 'operator' | 'finance'

export const ROLE_LABELS: Record<Role, string> = { admin: '管理员', operator: '运营', finance: '财务' }

export interface Operator {
  id: number | string
  username: string
  role: Role
}

interface Options {
  method?: string
  body?: unknown
  /** Whether 1401/1406 means "the session is gone" (default true); not for the login itself. */
  session?: boolean
}

const unauthorizedListeners = new Set<() => void>()

/** Calls `listener` whenever an answer says the operator's session is missing or expired. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener)
  return () => unauthorizedListeners.delete(listener)
}

/** Calls the API and answers `data`; throws ApiError with the server's code and message. */
export async function api<T>(path: string, { method = 'GET', body, session = true }: Options = {}): Promise<T> {
  const { env } = await fetchEnvelope<T>(path, { method, body })
  if (!env) throw unavailable()
  if (env.code === OK) return env.data
  if (session && (env.code === UNAUTHENTICATED || env.code === TOKEN_EXPIRED)) {
    unauthorizedListeners.forEach((listener) => listener())
  }
  throw new ApiError(env.code, env.msg)
}

export const getMe = () => api<Operator>('/api/console/me')

export const login = (username: string, password: string) =>
  api<{ token: string; operator: Operator }>('/api/console/auth/login', {
    method: 'POST',
    body: { username, password },
    session: false,
  }).then(({ operator }) => operator)

export const logout = () => api<unknown>('/api/console/auth/logout', { method: 'POST', session: false })
