// A user's money as the user detail page shows it (available, held, income by kind, recent flows,
// withdrawals) and the real-name corrections an owner made after WeChat Pay refused the name.
import type { Schemas, Wire } from '@gpet/common/api'
import type { UserDetail, Withdrawal } from '../api'
import { parseTime } from './dates'

/** One kind of income over the user's whole history, with the owner's words for it. */
export type IncomeTotal = Pick<Schemas['IncomeOfKind'], 'kind' | 'total_fen'> & { title?: string | null }

/** A move of the owner's available balance, as the H5's 账户流水 shows it. */
export type MoneyFlow = Wire<Schemas['Flow']>

/** Where the user's money is, came from and went (the latest 20 flows and withdrawals). */
export type UserMoney = Omit<Schemas['UserMoney'], 'flows' | 'withdrawals'> & {
  flows: MoneyFlow[]
  withdrawals: Withdrawal[]
}

/** A real name the owner corrected after WeChat Pay refused the one first given. */
export type IdentityCorrection = Schemas['NameCorrectionRecord']

/** The user detail with its money and the corrections (absent from an older server). */
export type UserDetailWithMoney = UserDetail & {
  money?: UserMoney | null
  identity_corrections?: IdentityCorrection[] | null
}

/** The kinds of flows by the names the owners read in the H5 (钱包 · 账户流水). */
export const FLOW_KIND_LABELS: Record<string, string> = {
  group_income: '群收益',
  ad_income: '广告收益',
  master_commission: '徒弟分成',
  grand_master_commission: '徒孙分成',
  master_ad_commission: '徒弟广告分成',
  grand_master_ad_commission: '徒孙广告分成',
  withdrawal_hold: '提现冻结',
  withdrawal_release: '提现退回',
}

/** A kind's Chinese name (an unknown kind as it came). */
export const flowKindLabel = (kind: string): string => FLOW_KIND_LABELS[kind] ?? kind

/** A flow's name: the server's title, else the kind's. */
export const flowTitle = (flow: Pick<MoneyFlow, 'kind' | 'title'>): string =>
  flow.title?.trim() || flowKindLabel(flow.kind)

/** The income kinds in the H5's order, then any other, each with its total; the sum last. */
export function incomeByKind(income: readonly IncomeTotal[]): { rows: Array<IncomeTotal & { label: string }>; total_fen: number } {
  const order = Object.keys(FLOW_KIND_LABELS)
  const rank = (kind: string) => {
    const i = order.indexOf(kind)
    return i < 0 ? order.length : i
  }
  const rows = [...income]
    .sort((a, b) => rank(a.kind) - rank(b.kind) || a.kind.localeCompare(b.kind))
    .map((i) => ({ ...i, label: i.title?.trim() || flowKindLabel(i.kind) }))
  return { rows, total_fen: rows.reduce((sum, i) => sum + i.total_fen, 0) }
}

/** The reason WeChat Pay gives when the real name is not the one of the WeChat account. */
export const NAME_MISMATCH = '实名信息与微信实名不一致'

/** Whether a withdrawal failed because the real name did not match. */
export const isNameMismatch = (w: Pick<Withdrawal, 'state' | 'failure_reason'>): boolean =>
  w.state === 'failed' && !!w.failure_reason?.includes(NAME_MISMATCH)

/**
 * The owner's correction made after the withdrawal `w` failed for a name mismatch (the one made
 * for it, or any later one), or null when the name was not corrected since.
 */
export function correctionSince(
  w: Pick<Withdrawal, 'id' | 'updated_at'>,
  corrections: readonly IdentityCorrection[],
): IdentityCorrection | null {
  const failedAt = parseTime(w.updated_at)
  const after = corrections.filter(
    (c) => String(c.withdrawal_id) === String(w.id) || (!Number.isNaN(failedAt) && parseTime(c.created_at) >= failedAt),
  )
  after.sort((a, b) => parseTime(b.created_at) - parseTime(a.created_at))
  return after[0] ?? null
}

/**
 * When the owner corrected the real name WeChat Pay refused for `w`: the row's own
 * `name_corrected_at` when the server sends it, else the correction made since (from the user's
 * corrections); null when not corrected (or not refused for the name).
 */
export function nameCorrectedAt(
  w: Withdrawal & { name_corrected_at?: string | null },
  corrections: readonly IdentityCorrection[] = [],
): string | null {
  if (!isNameMismatch(w)) return null
  if (w.name_corrected_at) return w.name_corrected_at
  return correctionSince(w, corrections)?.created_at ?? null
}

/** The withdrawals page showing the user's withdrawals, or one of them (its day, the row marked). */
export function withdrawalsLink(userId: Withdrawal['user_id'], withdrawal?: Pick<Withdrawal, 'id' | 'day'>): string {
  const params = new URLSearchParams({ user_id: String(userId) })
  if (withdrawal) {
    if (withdrawal.day) params.set('day', withdrawal.day)
    params.set('id', String(withdrawal.id))
  }
  return `/withdrawals?${params.toString()}`
}
