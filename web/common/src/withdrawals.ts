// A withdrawal as the API answers it to both apps (the owner's history and the finance console),
// from the types generated from the OpenAPI document (./openapi.d.ts).

import type { Schemas, Wire } from './api'

export type WithdrawalState = 'pending' | 'submitted' | 'waiting_user' | 'success' | 'failed' | 'rejected'

/**
 * A withdrawal's fields but its ids and what only one app reads: the document's `Withdrawal`
 * (`out_bill_no` is "GW{id}A{attempt}", a retry is a new attempt; `day` the business day it was
 * asked for; `failure_reason` in Chinese, as the owner reads it), with `state` narrowed.
 */
export type WithdrawalFields = Omit<
  Wire<Schemas['Withdrawal']>,
  'id' | 'user_id' | 'nickname' | 'package_info' | 'mch_id' | 'app_id' | 'state'
> & { state: WithdrawalState }
