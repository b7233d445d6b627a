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
  type Page,
  type Schemas,
  type Wire,
} from '@gpet/common/api'
import type { Content, ContentKind } from '@gpet/common/content'
import type { GroupDay, GroupFields } from '@gpet/common/groups'
import type { WithdrawalFields } from '@gpet/common/withdrawals'
import { plainMessage } from './lib/format'

export { ApiError, NETWORK_ERROR, OK, TOKEN_EXPIRED, UNAUTHENTICATED } from '@gpet/common/api'
export type { Page } from '@gpet/common/api'
export type { Content, ContentKind } from '@gpet/common/content'
export type { GroupDay, GroupState } from '@gpet/common/groups'
export type { WithdrawalState } from '@gpet/common/withdrawals'
export const MAINTENANCE = 1503

/** Another user as the app shows them (a master, say). */
export type Person = Schemas['Person']

/**
 * `phone` masked (138****5678), never in full, null until bound; `identity` masked (张*,
 * 110105********123X), null until verified.
 */
export type Me = Wire<Schemas['Profile']>

/** A notice as the home page scrolls it (the parts of a marquee it reads). */
export type MarqueeNotice = Pick<Schemas['Marquee'], 'id' | 'text' | 'starts_at' | 'ends_at'>

/** `marquees`: the notices live now, to scroll on the home page; `apprentices`: how many the owner has. */
export type HomeData = Omit<Schemas['Home'], 'marquees'> & { marquees: MarqueeNotice[] }

export type Apprentice = Wire<Schemas['Apprentice']>

/**
 * `invite_url`: a short link to /?invite=<invite_code>; `grand_apprentices`: how many
 * apprentices the apprentices have; `total_contributed_fen`: commission earned from all
 * apprentices, all time (the list may show only some of them); `grand_contributed_fen`: from
 * the grand-apprentices.
 */
export type Referral = Omit<Wire<Schemas['Referral']>, 'apprentices'> & { apprentices: Apprentice[] }

export type CodeSent = Schemas['CodeSent']

/** Codes of the profile forms. */
export const BAD_PARAMS = 1403
export const NOT_FOUND = 1404
export const PHONE_MISSING = 2001
export const SENSITIVE_WORD = 2003
export const PROFILE_COMPLETE = 2200
export const WRONG_CODE = 2301
export const CODE_EXPIRED = 2302
export const PHONE_REGISTERED = 2303
export const SMS_TOO_OFTEN = 2304
/** Codes of the robot and group pages. */
export const NO_ROBOT = 1600
export const SEND_FAILED = 1602
export const SAME_TIME = 2005
/** Codes of a withdrawal. */
export const IDENTITY_MISSING = 2002
export const INSUFFICIENT_BALANCE = 3002
export const WITHDRAWN_TODAY = 3003
export const WITHDRAWAL_REFUSED = 3004

interface Options {
  method?: string
  body?: unknown
  /** Whether a missing or dead session sends the browser to WeChat login (default true). */
  login?: boolean
}

const maintenanceListeners = new Set<(msg: string) => void>()

/**
 * What a maintenance answer says: the operator's message (data.message, also in msg) when there
 * is one; '' leaves the page to its default text.
 */
export function maintenanceMessage(env: Envelope<unknown>): string {
  const data = env.data as { message?: unknown } | null
  const fromData = typeof data?.message === 'string' ? data.message.trim() : ''
  return fromData || (typeof env.msg === 'string' ? env.msg.trim() : '')
}

/** Calls `listener` with the operator's message whenever an answer says 1503 (maintenance). */
export function onMaintenance(listener: (msg: string) => void): () => void {
  maintenanceListeners.add(listener)
  return () => maintenanceListeners.delete(listener)
}

/**
 * HTTP statuses that, without our envelope, mean the API itself is down (API Gateway's own
 * error: no function answered), which the app shows as maintenance. CloudFront passes every
 * error through as the origin sent it, so it is the app that decides.
 */
export const API_DOWN_STATUSES: readonly number[] = [502, 503, 504]

/**
 * The envelope of an answer as the app acts on it: our envelope as sent (whatever the HTTP
 * status: a 502 carrying 1500 is that error); none but a 502/503/504 is the API being down,
 * taken as maintenance (1503) with the default text; anything else is null (the service is
 * unavailable).
 */
export function classify<T>(status: number, env: Envelope<T> | null): Envelope<T> | null {
  if (env) return env
  if (API_DOWN_STATUSES.includes(status)) return { code: MAINTENANCE, msg: '系统维护中，请稍后再试', data: null as T }
  return null
}

async function send<T>(path: string, { method = 'GET', body }: Options): Promise<Envelope<T>> {
  // A request that never got an answer (offline, DNS, reset) throws NETWORK_ERROR from here: a
  // network failure, not maintenance.
  const answer = await fetchEnvelope<T>(path, { method, body })
  const env = classify(answer.status, answer.env)
  if (!env) throw unavailable()
  if (env.code === MAINTENANCE) {
    const message = maintenanceMessage(env)
    maintenanceListeners.forEach((listener) => listener(message))
  }
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

/** The `data` an error answer carried (2003's matched words, say). */
const errorData = new WeakMap<Error, unknown>()
export const dataOf = (error: unknown): unknown => (error instanceof Error ? errorData.get(error) : undefined)

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
  // The code stays on the error (and in the log) for the app's logic; the page shows the words.
  const error = new ApiError(env.code, plainMessage(env.msg ?? '') || '操作未完成，请稍后再试')
  console.debug(`API ${options.method ?? 'GET'} ${path}: ${env.code}`)
  if (env.data !== null && env.data !== undefined) errorData.set(error, env.data)
  throw error
}

/**
 * True for an error saying the session is missing or expired: the browser is already leaving
 * for WeChat login, so the page has nothing to say.
 */
export const sessionGone = (e: unknown): boolean =>
  e instanceof ApiError && (e.code === UNAUTHENTICATED || e.code === TOKEN_EXPIRED)

/** The words a 2003 answer matched, or none. */
export function sensitiveWords(error: unknown): string[] {
  const words = (dataOf(error) as { words?: unknown } | undefined)?.words
  return Array.isArray(words) ? words.filter((w): w is string => typeof w === 'string') : []
}

export const getMe = () => api<Me>('/api/me')

/** Home-page extras; never starts a login by itself (GET /api/me on the same page does). */
export const getHome = () => api<HomeData>('/api/home', { login: false })

export const getReferral = () => api<Referral>('/api/referral')

export const sendPhoneCode = (phone: string) =>
  api<CodeSent>('/api/me/phone/code', { method: 'POST', body: { phone } })

export const bindPhone = (phone: string, code: string) =>
  api<Me>('/api/me/phone', { method: 'POST', body: { phone, code } })

export const verifyIdentity = (name: string, id_number: string) =>
  api<Me>('/api/me/identity', { method: 'POST', body: { name, id_number } })

// --- Robots, groups, keywords, mass messages ------------------------------------------------

/** A robot offered to the owner: add it as a friend with the pairing code, then pull it into groups. */
export type RobotOffer = Schemas['Offer']

/**
 * `next_star`: the sessions a day the next star needs and what it pays (null at 5★ or when not
 * active).
 */
export type Group = GroupFields & { id: number }

export type GroupDetail = Group & {
  /** The last 15 days, oldest first, every day present. */
  history: GroupDay[]
}

/** `group_id` null: all the owner's groups. */
export type Keyword = Wire<Schemas['Keyword']>


/** How WeChat will show a content, as the server worked it out. */
export interface Bubble {
  kind: ContentKind
  text?: string
  title?: string
  desc?: string
  url?: string
  domain?: string
  image_url?: string
  appid?: string
  pagepath?: string
  thumb_url?: string
  /** The mini-program's name. */
  source?: string
}

export interface Preview {
  /** Normalized: \r\n → \n, trailing spaces of lines trimmed. */
  content: Content
  bubble: Bubble
  length: number
}

export type BroadcastState = 'scheduled' | 'sending' | 'done' | 'cancelled'
export type TargetState = 'pending' | 'sent' | 'failed'

/** `code` 1602 on failure. */
export type BroadcastTarget = Omit<Wire<Schemas['Target']>, 'state'> & { state: TargetState }

export type Broadcast = Omit<Schemas['Broadcast'], 'content' | 'state' | 'targets'> & {
  content: Content
  state: BroadcastState
  targets: BroadcastTarget[]
}

export interface BroadcastPage {
  items: Broadcast[]
  total?: number
  page?: number
  page_size?: number
}

export const assignRobots = () => api<Schemas['Offers']>('/api/robots/assign', { method: 'POST' })

export const getGroups = () => api<{ items: Group[]; total: number }>('/api/groups')

export const getGroup = (id: number) => api<GroupDetail>(`/api/groups/${id}`)

/**
 * 更换机器人: a replacement robot for a group whose robot is not online (or that it left);
 * answers the group with its `replacement` (1600: no robot is free).
 */
export const replaceRobot = (id: number) => api<Group>(`/api/groups/${id}/replace-robot`, { method: 'POST' })

/** The robot leaves the group; answers the group, now left. */
export const leaveGroup = (id: number) => api<Group>(`/api/groups/${id}`, { method: 'DELETE' })

/** A page of the owner's keywords (of one group and those for all groups, with `groupId`), newest first. */
export function getKeywords(groupId?: number | null, page?: number, pageSize?: number) {
  const query = new URLSearchParams()
  if (groupId != null) query.set('group_id', String(groupId))
  if (page !== undefined) query.set('page', String(page))
  if (pageSize !== undefined) query.set('page_size', String(pageSize))
  const q = query.toString()
  return api<Page<Keyword>>(q ? `/api/keywords?${q}` : '/api/keywords')
}

export const addKeyword = (body: Schemas['NewKeyword']) =>
  api<Keyword>('/api/keywords', { method: 'POST', body })

export const deleteKeyword = (id: number) => api<Schemas['Deleted']>(`/api/keywords/${id}`, { method: 'DELETE' })

export const previewBroadcast = (content: Content) =>
  api<Preview>('/api/broadcasts/preview', { method: 'POST', body: { content } satisfies Schemas['PreviewRequest'] })

/** Without `send_at` the task is sent now. */
export const createBroadcast = (body: Omit<Schemas['NewBroadcast'], 'content'> & { content: Content }) =>
  api<Broadcast>('/api/broadcasts', { method: 'POST', body })

export const getBroadcasts = (page = 1, pageSize = 20) =>
  api<BroadcastPage>(`/api/broadcasts?page=${page}&page_size=${pageSize}`)

export const cancelBroadcast = (id: number) => api<Broadcast>(`/api/broadcasts/${id}`, { method: 'DELETE' })

// --- Money: the account, its flows, withdrawals ---------------------------------------------

/** One settled day of income, by where it came from. */
export type DailyIncome = Schemas['DailyIncome']

/** Whether the owner may withdraw now, and how much at a time. */
export type WithdrawRules = Schemas['WithdrawRules']

/**
 * `held_fen`: held by withdrawals in progress; `today_income_fen`: today's income so far,
 * projected, not settled yet; `paid_fen`: withdrawn and paid; `daily`: the last 15 days, oldest
 * first, every day present.
 */
export type Account = Schemas['AccountSummary']

export type FlowKind =
  | 'group_income'
  | 'protected_income'
  | 'ad_income'
  | 'master_commission'
  | 'grand_master_commission'
  | 'master_ad_commission'
  | 'grand_master_ad_commission'
  | 'withdrawal_hold'
  | 'withdrawal_release'

/** A movement of the available balance (流水). */
/**
 * `day`: the business day the money belongs to; `amount_fen`: + into the available balance, −
 * out of it; `title`: the server's Chinese label of the kind.
 */
export type Flow = Omit<Wire<Schemas['Flow']>, 'kind'> & { kind: FlowKind }

export interface Withdrawal extends WithdrawalFields {
  id: number
  user_id: number
  /** While waiting_user: what the JS-SDK's requestMerchantTransfer opens WeChat's page with. */
  package_info: string | null
  mch_id: string | null
  app_id: string | null
}

export const getAccount = () => api<Account>('/api/account')

export const getFlows = (page = 1, pageSize = 20) =>
  api<Page<Flow>>(`/api/account/flows?page=${page}&page_size=${pageSize}`)

export const createWithdrawal = (amount_fen: number) =>
  api<Withdrawal>('/api/withdrawals', { method: 'POST', body: { amount_fen } satisfies Schemas['NewWithdrawal'] })

export const getWithdrawals = (page = 1, pageSize = 20) =>
  api<Page<Withdrawal>>(`/api/withdrawals?page=${page}&page_size=${pageSize}`)

export const getWithdrawal = (id: number) => api<Withdrawal>(`/api/withdrawals/${id}`)

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
