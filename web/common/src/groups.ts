// A group as the API answers it to both apps (the owner's and the operators' lists and details).

export type GroupState = 'active' | 'cancelled' | 'left' | 'refused'

/** A group's fields but its id (each app types ids its own way). */
export interface GroupFields {
  group_wxid: string
  name: string
  robot_wxid: string
  robot_nickname: string
  state: GroupState
  /** 1–5; 0 until the group is first rated. */
  stars: number
  member_count: number
  sessions_today: number
  sessions_yesterday: number
  speakers_today: number
  /** What a day brings at these stars. */
  star_income_fen: number
  joined_at: string
  exited_at: string | null
  exit_reason: string | null
}

/** One day of a group's history. */
export interface GroupDay {
  /** YYYY-MM-DD */
  day: string
  sessions: number
  speakers: number
  stars: number | null
}
