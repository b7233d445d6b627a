// The console's API client. Every answer is the envelope `{code, msg, data}`; the session
// lives in the HttpOnly cookie `gpet_console`.

import {
  ApiError,
  OK,
  TOKEN_EXPIRED,
  UNAUTHENTICATED,
  fetchEnvelope,
  fetchSameOrigin,
  readEnvelope,
  unavailable,
  type Envelope,
  type Page,
  type Schemas,
  type Wire,
} from '@gpet/common/api'
import type { Content } from '@gpet/common/content'
import type { GroupDay, GroupFields } from '@gpet/common/groups'
import type { WithdrawalFields } from '@gpet/common/withdrawals'

export { ApiError, NETWORK_ERROR, OK, TOKEN_EXPIRED, UNAUTHENTICATED } from '@gpet/common/api'
export type { Content, ContentKind } from '@gpet/common/content'
export type { Page } from '@gpet/common/api'
export type { GroupDay, GroupState } from '@gpet/common/groups'
export type { WithdrawalState } from '@gpet/common/withdrawals'

export type Role = Schemas['Role']

export const ROLE_LABELS: Record<Role, string> = { admin: '管理员', operator: '运营', finance: '财务' }

export const ROLES: Role[] = ['admin', 'operator', 'finance']

/** Whether the role may change content (users, words, marquees, links, maintenance, settings). */
export const canWrite = (role: Role | undefined): boolean => role === 'admin' || role === 'operator'

/** Whether the role manages operators. */
export const isAdmin = (role: Role | undefined): boolean => role === 'admin'

/** Whether the role handles money (withdrawals, settlement, reconciliation, the money settings). */
export const canFinance = (role: Role | undefined): boolean => role === 'admin' || role === 'finance'

export type Operator = WithIds<Schemas['Operator'], 'id'>

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

/** HTTP status of an answer refusing the operator's role (its code is 1401, the session lives on). */
export const FORBIDDEN = 403

/** True for an error answered because the operator's role may not do this. */
export const isForbidden = (e: unknown): boolean => e instanceof ApiError && e.status === FORBIDDEN

/** Calls the API and answers `data`; throws ApiError with the server's code and message. */
export async function api<T>(path: string, { method = 'GET', body, session = true }: Options = {}): Promise<T> {
  const { status, env } = await fetchEnvelope<T>(path, { method, body })
  if (!env) throw unavailable()
  if (env.code === OK) return env.data
  throw refusal(status, env, session)
}

/** The error of an envelope that is not 1200 (telling the session's listeners when it is gone). */
function refusal(status: number, env: Envelope<unknown>, session = true): ApiError {
  // A role refusal comes as HTTP 403 with code 1401: the session is fine, only this is refused.
  if (status === FORBIDDEN) return new ApiError(env.code, env.msg || '当前角色无权执行此操作', FORBIDDEN)
  if (session && (env.code === UNAUTHENTICATED || env.code === TOKEN_EXPIRED)) {
    unauthorizedListeners.forEach((listener) => listener())
  }
  return new ApiError(env.code, env.msg, status)
}

/**
 * Downloads a file the API answers (a CSV export) as a Blob, with the session cookie like every
 * other call; a refusal comes as the usual envelope and is thrown as ApiError.
 */
export async function download(path: string): Promise<Blob> {
  const res = await fetchSameOrigin(path)
  const type = res.headers.get('content-type') ?? ''
  if (res.ok && !type.includes('json')) return res.blob()
  const env = await readEnvelope(res)
  if (!env) throw unavailable()
  throw refusal(res.status, env)
}

type QueryValue = string | number | boolean | null | undefined

/** `path` with the non-empty `params` as its query string. */
export function withQuery(path: string, params: Record<string, QueryValue>): string {
  const query = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue
    query.set(key, String(value))
  }
  const qs = query.toString()
  return qs ? `${path}?${qs}` : path
}

/**
 * The logged-in operator. `must_change_password`: their password was made for them (the first
 * admin's, or one an admin reset); every route but `me`, logout and the password change answers
 * HTTP 403 until they choose their own.
 */
export interface Me extends Operator {
  must_change_password: boolean
}

/** A `me` answer as the console keeps it (a server that predates the flag answers without it). */
const asMe = (operator: Operator, mustChange: boolean | undefined): Me => ({
  ...operator,
  must_change_password: mustChange === true,
})

export const getMe = () =>
  api<Schemas['Me']>('/api/console/me').then((me) => asMe(me, me.must_change_password))

export const login = (username: string, password: string) =>
  api<Schemas['ConsoleLogin']>(
    '/api/console/auth/login',
    {
      method: 'POST',
      body: { username, password } satisfies Schemas['Credentials'],
      session: false,
    },
  ).then(({ operator, must_change_password }) => asMe(operator, must_change_password))

export const logout = () => api<unknown>('/api/console/auth/logout', { method: 'POST', session: false })

/**
 * The operator chooses their own password. A refusal is 1403 with the reason (当前密码不正确,
 * the length, the same as now); their other sessions end, this one goes on.
 */
export const changePassword = (currentPassword: string, newPassword: string) =>
  api<Schemas['Me']>('/api/console/me/password', {
    method: 'POST',
    body: { current_password: currentPassword, new_password: newPassword } satisfies Schemas['PasswordChange'],
  }).then((me) => asMe(me, me.must_change_password))

// ---- Issue 3: the operations pages ----

export type Id = number | string

/** A schema of the OpenAPI document as it arrives, with its `ids` typed as the console's `Id`. */
type WithIds<T, K extends keyof T = never> = Omit<Wire<T>, K> & { [P in K]: Id }

export interface Person {
  id: Id
  nickname: string
  avatar_url: string | null
}

/** Which page of a list to answer (the answer is a Page). */
export interface PageQuery {
  page?: number
  page_size?: number
}

/** The robots' use on a day, all robots together. */
export type RobotsUse = Schemas['RobotsOfDay']

export interface DashboardDay {
  day: string
  active_users: number
  new_users: number
  /** Absent on days before robots were counted. */
  robots?: RobotsUse | null
  /** Active groups per star rating ("1"…"5"); absent on days before ratings. */
  groups_by_stars?: Partial<Record<string, number>> | null
  /** Income credited by the settlement of the day (group + ad + commission); absent before money. */
  income_fen?: number | null
  /** Withdrawals paid out that day. */
  payouts_fen?: number | null
}

export interface Dashboard {
  from: string
  to: string
  days: DashboardDay[]
}

/** Without `from` and `to` the server answers its default range (the last 30 days). */
export const getDashboard = (from?: string, to?: string) =>
  api<Dashboard>(withQuery('/api/console/dashboard', { from, to }))

export interface UserRow {
  id: Id
  nickname: string
  avatar_url: string | null
  /** Masked ("138****5678"), never in full. */
  phone: string | null
  identity_verified: boolean
  invite_code: string
  master_id: Id | null
  snapshot: boolean
  frozen: boolean
  created_at: string
  last_login_at: string | null
}

export interface Apprentice extends Person {
  created_at: string
  /** How many apprentices this apprentice has. */
  apprentices: number
}

export interface UserDetail {
  user: UserRow & {
    identity: { name: string; id_number: string } | null
    frozen_reason: string | null
  }
  referral: {
    master: Person | null
    grand_master: Person | null
    apprentices: Apprentice[]
    grand_apprentices: number
  }
}

export const listUsers = (query: PageQuery & { q?: string; frozen?: '' | 'true' | 'false' }) =>
  api<Page<UserRow>>(withQuery('/api/console/users', { ...query }))

export const getUser = (id: Id) => api<UserDetail>(`/api/console/users/${encodeURIComponent(id)}`)

export const freezeUser = (id: Id, reason: string) =>
  api<UserRow>(`/api/console/users/${encodeURIComponent(id)}/freeze`, {
    method: 'POST',
    body: { reason } satisfies Schemas['FreezeRequest'],
  })

export const unfreezeUser = (id: Id) =>
  api<UserRow>(`/api/console/users/${encodeURIComponent(id)}/unfreeze`, { method: 'POST', body: {} })

export interface SensitiveWord {
  id: Id
  word: string
  created_at: string
  created_by: string | null
}

export const listSensitiveWords = (query: PageQuery & { q?: string }) =>
  api<Page<SensitiveWord>>(withQuery('/api/console/sensitive-words', { ...query }))

/** The words of the list that `text` contains (the "试一试" box). */
export const checkSensitiveText = (text: string) =>
  api<Page<SensitiveWord> & { check?: { words: string[] } }>(
    withQuery('/api/console/sensitive-words', { text, page_size: 1 }),
  ).then((data) => data.check?.words ?? [])

export const addSensitiveWords = (words: string[]) =>
  api<Schemas['WordsAdded']>('/api/console/sensitive-words', {
    method: 'POST',
    body: { words } satisfies Schemas['NewWords'],
  })

export const deleteSensitiveWord = (id: Id) =>
  api<WithIds<Schemas['Deleted'], 'id'>>(`/api/console/sensitive-words/${encodeURIComponent(id)}`, { method: 'DELETE' })

export type Marquee = WithIds<Schemas['Marquee'], 'id'>

/** Times in RFC 3339. */
export type MarqueeBody = Schemas['MarqueeDraft']

export const listMarquees = () => api<{ items: Marquee[] }>('/api/console/marquees').then((data) => data.items)

export const createMarquee = (body: MarqueeBody) => api<Marquee>('/api/console/marquees', { method: 'POST', body })

export const updateMarquee = (id: Id, body: MarqueeBody) =>
  api<Marquee>(`/api/console/marquees/${encodeURIComponent(id)}`, { method: 'PUT', body })

export const deleteMarquee = (id: Id) =>
  api<WithIds<Schemas['Deleted'], 'id'>>(`/api/console/marquees/${encodeURIComponent(id)}`, { method: 'DELETE' })

/** `reused` is set when the same URL was shortened within the dedup window and its code is answered again. */
export type ShortLink = Omit<WithIds<Schemas['ShortLink'], 'id'>, 'reused'> & { reused?: boolean | null }

export const listShortLinks = (query: PageQuery & { q?: string }) =>
  api<Page<ShortLink>>(withQuery('/api/console/short-links', { ...query }))

export const createShortLink = (url: string) =>
  api<ShortLink>('/api/console/short-links', { method: 'POST', body: { url } satisfies Schemas['NewShortLink'] })

export const disableShortLink = (id: Id) =>
  api<ShortLink>(`/api/console/short-links/${encodeURIComponent(id)}/disable`, { method: 'POST' })

export type Maintenance = Wire<Schemas['MaintenanceState']>

export const getMaintenance = () => api<Maintenance>('/api/console/maintenance')

export const putMaintenance = (enabled: boolean, message: string) =>
  api<Maintenance>('/api/console/maintenance', { method: 'PUT', body: { enabled, message } })

export interface Settings {
  sms: Schemas['SmsSettings']
  short_links: Schemas['ShortLinkSettings']
  /** Absent from a server that predates groups. */
  groups?: GroupSettings
  /** Absent from a server that predates money. */
  money?: MoneySettings
  /** The send governor, health and protection; absent from a server that predates them. */
  robots?: RobotSettings
}

/**
 * The send governor, how health is judged and alerted, and owners' protection during an
 * outage (`protect_*`: finance and admins only).
 */
export type RobotSettings = Schemas['RobotSettings']

/** The commission rates (basis points: 1000 = 10 %) and the withdrawal limits. */
export type MoneySettings = Schemas['MoneySettings']

/**
 * A change of the settings: the sections given are saved whole, the others kept. The content
 * sections are for admin and operator, `money` for admin and finance.
 */
export type SettingsChange = Partial<Settings>

export type GroupSettings = Schemas['GroupSettings']

export const getSettings = () => api<Settings>('/api/console/settings')

export const putSettings = (change: SettingsChange) =>
  api<Settings>('/api/console/settings', { method: 'PUT', body: change satisfies Schemas['SettingsChange'] })

export interface AuditEntry {
  id: Id
  operator: string | null
  action: string
  /** What the action was done to (a string such as "user:12" most likely; shown as given). */
  target: unknown
  detail: unknown
  at: string
}

export const listAuditLog = (query: PageQuery & { operator?: string; action?: string }) =>
  api<Page<AuditEntry>>(withQuery('/api/console/audit-log', { ...query }))

export type OperatorAccount = WithIds<Schemas['OperatorRow'], 'id'>

export const listOperators = () =>
  api<{ items: OperatorAccount[] }>('/api/console/operators').then((data) => data.items)

export const createOperator = (body: Schemas['NewOperator']) =>
  api<OperatorAccount>('/api/console/operators', { method: 'POST', body })

export const updateOperator = (id: Id, body: Schemas['OperatorChange']) =>
  api<OperatorAccount>(`/api/console/operators/${encodeURIComponent(id)}`, { method: 'PUT', body })

// ---- Issue 4: robots, distribution, groups, campaigns, dead letters ----

/** `snapshot_free`: free places at today's snapshot (the base of today's distribution). */
export type RobotToday = Schemas['RobotUse']

export interface Robot {
  id: Id
  platform_id: string
  wxid: string
  nickname: string
  qr_code_url: string
  capacity: number
  enabled: boolean
  /** Active groups now. */
  groups: number
  /** capacity − groups. */
  free: number
  today: RobotToday | null
  created_at: string
  /** Absent from a server that predates robot health. */
  health?: RobotHealth
  /** Why it is not online, in words (the platform's word, the quarantine's reason). */
  health_reason?: string | null
  /** When its heartbeat was last heard (real time); null: never. */
  last_heartbeat_at?: string | null
  /** Sends the governor gave it today. */
  sends_today?: number
  /** Until when its sends pause after the platform's risk control refused one. */
  paused_until?: string | null
  /** Its last risk events, newest first (at most 5). */
  risk_events?: RiskEvent[]
}

export type RobotHealth = Schemas['Health']

/** `kind`: banned, logout, restricted, online, rate_limited, silent, quarantined, released. */
export type RiskEvent = Schemas['RiskEvent']

/** What preparing replacements for a robot's groups did: `prepared` + `without_robot` = `groups`. */
export type BulkReplacement = Schemas['BulkReplacement']

export type RobotCreate = Schemas['NewRobot']

export type RobotUpdate = Partial<Pick<Robot, 'nickname' | 'qr_code_url' | 'capacity' | 'enabled'>>

export const listRobots = (query: PageQuery & { q?: string }) =>
  api<Page<Robot>>(withQuery('/api/console/robots', { ...query }))

export const createRobot = (body: RobotCreate) => api<Robot>('/api/console/robots', { method: 'POST', body })

export const updateRobot = (id: Id, body: RobotUpdate) =>
  api<Robot>(`/api/console/robots/${encodeURIComponent(id)}`, { method: 'PUT', body })

/** Keeps a robot out of use (not offered, not sending) for `reason`. */
export const quarantineRobot = (id: Id, reason: string) =>
  api<Robot>(`/api/console/robots/${encodeURIComponent(id)}/quarantine`, {
    method: 'POST',
    body: { reason } satisfies Schemas['Quarantine'],
  })

export const releaseRobot = (id: Id) =>
  api<Robot>(`/api/console/robots/${encodeURIComponent(id)}/release`, { method: 'POST' })

/** Prepares a replacement robot for each active group of a robot that is not online. */
export const prepareReplacements = (id: Id) =>
  api<BulkReplacement>(`/api/console/robots/${encodeURIComponent(id)}/replacements`, { method: 'POST' })

/** `at` is "HH:MM", China time. */
export type Release = Schemas['Release']

/** The strategy; `released_pct_now`, the share released so far today, comes with every answer. */
export type Distribution = Schemas['DistributionSettings'] & { released_pct_now?: number }

export const getDistribution = () => api<Distribution>('/api/console/distribution')

export const putDistribution = (body: Omit<Distribution, 'released_pct_now'>) =>
  api<Distribution>('/api/console/distribution', { method: 'PUT', body })

export interface Group extends GroupFields {
  id: Id
  owner_id: Id | null
  owner_nickname: string | null
}

export interface GroupDetail extends Group {
  owner?: Person | null
  /** 30 days, oldest first. */
  history: GroupDay[]
}

export interface GroupQuery extends PageQuery {
  q?: string
  state?: string
  robot_id?: string
  owner_id?: string
}

export const listGroups = (query: GroupQuery) => api<Page<Group>>(withQuery('/api/console/groups', { ...query }))

export const getGroup = (id: Id) => api<GroupDetail>(`/api/console/groups/${encodeURIComponent(id)}`)

export const exitGroup = (id: Id, reason: string) =>
  api<Group>(`/api/console/groups/${encodeURIComponent(id)}/exit`, {
    method: 'POST',
    body: { reason } satisfies Schemas['ForceExit'],
  })

export type CampaignState = 'scheduled' | 'sending' | 'done' | 'cancelled'

export interface Campaign {
  id: Id
  name: string
  content: Content
  min_stars: number
  launch_only: boolean
  starts_at: string
  state: CampaignState
  targets: Schemas['TargetCounts']
  created_at: string
}

/** `starts_at` in RFC 3339. */
export type CampaignBody = Omit<Schemas['CampaignInput'], 'content'> & { content: Content }

export const listCampaigns = (query: PageQuery) =>
  api<Page<Campaign>>(withQuery('/api/console/campaigns', { ...query }))

export const createCampaign = (body: CampaignBody) => api<Campaign>('/api/console/campaigns', { method: 'POST', body })

export const updateCampaign = (id: Id, body: CampaignBody) =>
  api<Campaign>(`/api/console/campaigns/${encodeURIComponent(id)}`, { method: 'PUT', body })

export const cancelCampaign = (id: Id) =>
  api<Campaign>(`/api/console/campaigns/${encodeURIComponent(id)}`, { method: 'DELETE' })

/** `body` is the message as received (usually JSON text). */
export type DeadLetter = WithIds<Schemas['DeadLetter'], 'id'>

export const listDeadLetters = (query: PageQuery & { queue?: string }) =>
  api<Page<DeadLetter>>(withQuery('/api/console/dead-letters', { ...query }))

export const redriveDeadLetter = (id: Id) =>
  api<DeadLetter>(`/api/console/dead-letters/${encodeURIComponent(id)}/redrive`, { method: 'POST', body: {} })

// ---- Issue 5: money (finance and admin) ----

export interface Withdrawal extends WithdrawalFields {
  id: Id
  user_id: Id
  nickname: string
}

export interface WithdrawalFilters {
  state?: string
  day?: string
  user_id?: string
}

export const listWithdrawals = (query: PageQuery & WithdrawalFilters) =>
  api<Page<Withdrawal>>(withQuery('/api/console/withdrawals', { ...query }))

/** Every withdrawal the filters select, as the server's CSV (UTF-8 with BOM). */
export const exportWithdrawals = ({ state, day, user_id }: WithdrawalFilters) =>
  download(withQuery('/api/console/withdrawals', { state, day, user_id, format: 'csv' }))

export const retryWithdrawal = (id: Id) =>
  api<Withdrawal>(`/api/console/withdrawals/${encodeURIComponent(id)}/retry`, { method: 'POST', body: {} })

export const rejectWithdrawal = (id: Id, reason: string) =>
  api<Withdrawal>(`/api/console/withdrawals/${encodeURIComponent(id)}/reject`, {
    method: 'POST',
    body: { reason } satisfies Schemas['Rejection'],
  })

export type SettlementState = 'running' | 'done' | 'failed'

/** `progress_pct` 0…100; `runs`: how many times the run was started. */
export type SettlementRun = Omit<Wire<Schemas['SettlementRun']>, 'state'> & { state: SettlementState }

export const listSettlements = (query: PageQuery) =>
  api<Page<SettlementRun>>(withQuery('/api/console/settlements', { ...query }))

/** A day's run; 1404 when the day was never settled. */
export const getSettlement = (day: string) => api<SettlementRun>(`/api/console/settlements/${encodeURIComponent(day)}`)

/** Starts or continues a day's settlement; answers within ~25 s, `running` while steps remain. */
export const runSettlement = (day: string) =>
  api<SettlementRun>(`/api/console/settlements/${encodeURIComponent(day)}/run`, { method: 'POST', body: {} })

export type DifferenceKind = 'missing_at_wechat' | 'missing_here' | 'amount' | 'state' | 'not_in_bill' | 'unchecked'

/**
 * One side of a difference: our payout attempt's state, or WeChat Pay's: a transfer-bill state
 * from its query, or `BILLED` when only the fund-flow bill speaks (the net paid out).
 */
export type BillSide = Schemas['Side']

export type Difference = Omit<Wire<Schemas['Difference']>, 'kind'> & { kind: DifferenceKind }

/** The summary line of WeChat Pay's fund-flow bill (资金账单). */
export type FundFlowSummary = Schemas['FundFlowSummary']

/** What WeChat Pay's records of the day were. */
export type BillSource = Omit<Wire<Schemas['BillSource']>, 'kind'> & {
  /** `file`: the downloaded bill, its SHA-1 checked; `none`: WeChat Pay moved no money that day. */
  kind: 'file' | 'none'
}

/**
 * `ours`: our payout orders of the day (sent or paid that day, or in the day's bill); `ours_paid`:
 * those paid, as far as the day's bill goes; `theirs`: order numbers the day's bill paid money
 * out to, and the net paid; `queried`: bills asked about one by one; `unchecked`: orders left
 * unchecked (listed as differences).
 */
export type Reconciliation = Omit<Schemas['Reconciliation'], 'bill' | 'differences'> & {
  bill: BillSource
  differences: Difference[]
}

/**
 * A day's reconciliation. WeChat Pay's bill may not be had (not made yet — from 10:00 the next
 * day —, a 404, a file whose hash or content is wrong): that is an ApiError (1101) whose message
 * says why, never an empty answer.
 */
export const getReconciliation = (day: string) =>
  api<Reconciliation>(`/api/console/payouts/reconciliation/${encodeURIComponent(day)}`)

export type AuditCheck = Schemas['Check']

export interface LedgerAudit {
  id: Id
  at: string
  ok: boolean
  checks: AuditCheck[]
  accounts: number
  entries: number
  transactions: number
}

export interface LedgerAudits {
  latest: LedgerAudit | null
  /** The last 30, newest first. */
  history: LedgerAudit[]
}

export const getLedgerAudit = () => api<LedgerAudits>('/api/console/ledger/audit')
