// A group as the API answers it to both apps (the owner's and the operators' lists and details),
// from the types generated from the OpenAPI document (./openapi.d.ts).

import type { Schemas, Wire } from './api'

export type GroupState = 'active' | 'cancelled' | 'left' | 'refused'

/**
 * A group's fields but its ids and its owner (each app types ids its own way): the document's
 * `Group`, with `state` narrowed to its values.
 */
export type GroupFields = Omit<Wire<Schemas['Group']>, 'id' | 'robot_id' | 'owner_id' | 'owner_nickname' | 'state'> & {
  state: GroupState
}

/** One day of a group's history (`day` is YYYY-MM-DD; `stars` null before the first rating). */
export type GroupDay = Wire<Schemas['DayActivity']>
