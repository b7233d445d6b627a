// A robot offered to the owner, as the robot page follows it: waiting for the owner to add it
// with the pairing code, paired, then in the owner's groups.

export interface JoinedGroup {
  id: number
  name: string
}

/** What GET /api/robots/offers adds to an offer: whether it was paired, and the groups it joined since. */
export interface OfferProgress {
  paired_at?: string | null
  groups_joined?: JoinedGroup[] | null
}

export type OfferStage = 'waiting' | 'paired' | 'joined'

/** How far an offer got: joined a group, paired with the owner's WeChat account, or neither yet. */
export function offerStage(offer: OfferProgress): OfferStage {
  if (offer.groups_joined?.length) return 'joined'
  return offer.paired_at ? 'paired' : 'waiting'
}

/** What the offer's card says of where it stands, and what to do next. */
export function offerStageText(offer: OfferProgress): { title: string; next: string } {
  switch (offerStage(offer)) {
    case 'joined':
      return { title: '已进群', next: '机器人已在你的群里，群已开始运营，次日起按活跃度评星。点群名查看。' }
    case 'paired':
      return { title: '已配对', next: '下一步：把机器人拉进你的群（群成员不少于 20 人，你须是群主）。' }
    default:
      return { title: '等待添加好友', next: '扫码添加机器人为好友，验证信息里粘贴配对码。' }
  }
}

/** A group's name as the page shows it (quoted), or 群 <id> when it has none. */
export const joinedGroupName = (g: JoinedGroup): string => `“${g.name.trim() || `群 ${g.id}`}”`

/** How often the page asks again while it is open. */
export const OFFER_POLL_MS = 3000

/** An offer taken back because its robot stopped being online. */
export interface WithdrawnOffer {
  robot_id: number
  nickname: string
  reason: string
}

/**
 * What the robot page says of an offer taken back: "机器人「X」暂不可用（reason），已为你更换", or
 * "…，暂时没有可替换的机器人" when no other robot was offered.
 */
export function withdrawnText(w: WithdrawnOffer, replaced: boolean): string {
  const reason = w.reason.trim()
  const why = reason ? `（${reason}）` : ''
  return `机器人「${w.nickname.trim() || '原机器人'}」暂不可用${why}，${replaced ? '已为你更换' : '暂时没有可替换的机器人'}`
}

/** The offers taken back so far and those of a new answer, each robot once (its latest reason). */
export function mergeWithdrawn(shown: WithdrawnOffer[], taken: WithdrawnOffer[]): WithdrawnOffer[] {
  const ids = new Set(taken.map((w) => w.robot_id))
  return [...shown.filter((w) => !ids.has(w.robot_id)), ...taken]
}
