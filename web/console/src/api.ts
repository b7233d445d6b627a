// The console's API client. Every answer is the envelope `{code, msg, data}`; the session
// lives in the HttpOnly cookie `gpet_console`.

export const OK = 1200
export const UNAUTHENTICATED = 1401
export const TOKEN_EXPIRED = 1406
/** Code of an ApiError raised when the server could not be reached at all. */
export const NETWORK_ERROR = 0

export class ApiError extends Error {
  readonly code: number

  constructor(code: number, msg: string) {
    super(msg)
    this.name = 'ApiError'
    this.code = code
  }
}

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
  let res: Response
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(NETWORK_ERROR, '网络异常，请检查网络后重试')
  }
  const env = (await res.json().catch(() => null)) as { code: number; msg: string; data: T } | null
  if (typeof env?.code !== 'number') throw new ApiError(1500, '服务暂时不可用，请稍后再试')
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
