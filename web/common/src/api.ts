// What both apps' API clients share: the envelope `{code, msg, data}` every answer comes in,
// the codes both act on, ApiError, and the request itself. Session handling (H5's refresh and
// WeChat login, the console's login redirect) stays in each app.

import type { components } from './openapi'

/** The API's schemas, generated from the OpenAPI document (infra/scripts/api-types.sh). */
export type Schemas = components['schemas']
/** Every code of SPEC.md the API answers. */
export type Code = Schemas['Code']
/**
 * A schema as it arrives where the server writes every field, an absent value as null, and the
 * document (from Rust's `Option`) says only that the field may be left out. Not for a schema
 * whose fields are skipped when empty (a robot's `Content`).
 */
export type Wire<T> = { [K in keyof T]-?: Exclude<T[K], undefined> }

export const OK = 1200
export const UNAUTHENTICATED = 1401
export const TOKEN_EXPIRED = 1406
/** Code of an ApiError raised when the server could not be reached at all. */
export const NETWORK_ERROR = 0

export interface Envelope<T> {
  code: number
  msg: string
  data: T
}

export class ApiError extends Error {
  readonly code: number
  /** The HTTP status of the answer, when known (0 otherwise): 403 tells "role refused" apart. */
  readonly status: number

  constructor(code: number, msg: string, status = 0) {
    super(msg)
    this.name = 'ApiError'
    this.code = code
    this.status = status
  }
}

/** A page of a list, as both apps' paged lists answer it: `page` is 1-based. */
export interface Page<T> {
  items: T[]
  total: number
  page: number
  page_size: number
}

/**
 * fetch() on the same origin, with the session cookie. Throws ApiError(NETWORK_ERROR) when the
 * server could not be reached.
 */
export async function fetchSameOrigin(path: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(path, { ...init, credentials: 'same-origin' })
  } catch {
    throw new ApiError(NETWORK_ERROR, '网络异常，请检查网络后重试')
  }
}

/** The envelope of an answer, or null when the answer is not one. */
export async function readEnvelope<T>(res: Response): Promise<Envelope<T> | null> {
  const env = (await res.json().catch(() => null)) as Envelope<T> | null
  return typeof env?.code === 'number' ? env : null
}

/**
 * Sends one same-origin request (a JSON body when `body` is given) and answers the HTTP status
 * with the envelope, or null when the answer is not one. Throws ApiError(NETWORK_ERROR) when
 * the server could not be reached.
 */
export async function fetchEnvelope<T>(
  path: string,
  { method = 'GET', body }: { method?: string; body?: unknown } = {},
): Promise<{ status: number; env: Envelope<T> | null }> {
  const res = await fetchSameOrigin(path, {
    method,
    headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, env: await readEnvelope<T>(res) }
}

/** The error for an answer that is not an envelope (a proxy's error page, say). */
export const unavailable = () => new ApiError(1500, '服务暂时不可用，请稍后再试')
