// A withdrawal as the API answers it to both apps (the owner's history and the finance console).

export type WithdrawalState = 'pending' | 'submitted' | 'waiting_user' | 'success' | 'failed' | 'rejected'

/** A withdrawal's fields but its ids (each app types ids its own way). */
export interface WithdrawalFields {
  amount_fen: number
  state: WithdrawalState
  /** "GW{id}A{attempt}": WeChat Pay's order number of the current attempt. */
  out_bill_no: string
  /** 1, 2, … (a retry is a new attempt under a new out_bill_no). */
  attempt: number
  /** The business day it was asked for. */
  day: string
  created_at: string
  updated_at: string
  finished_at: string | null
  /** Why it failed or was rejected, in Chinese, as the owner reads it. */
  failure_reason: string | null
  result_code: number | null
  wechat_state: string | null
}
