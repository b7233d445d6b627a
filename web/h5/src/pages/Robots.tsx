import { useEffect, useState } from 'react'
import { Button } from 'antd-mobile'
import { Link } from 'react-router-dom'
import './forms.css'
import { ApiError, PHONE_MISSING, type RobotOffer, api, assignRobots, sessionGone } from '../api'
import { formatDateTime } from '../lib/format'
import { ROBOT_STEPS, assignErrorMessage } from '../lib/groups'
import {
  OFFER_POLL_MS,
  type WithdrawnOffer,
  joinedGroupName,
  mergeWithdrawn,
  offerStage,
  offerStageText,
  withdrawnText,
} from '../lib/offers'
import { useLoad, usePoll } from '../hooks'
import { RobotIcon } from '../icons'
import { track } from '../track'
import { bindPhonePath } from '../lib/validate'
import { TitleBar } from '../ui'
import { PairingCode, RobotQr, StepList } from '../pairing'
import { LoadError, Loading } from './states'

/** An offer as GET /api/robots/offers answers it: paired yet, groups joined since. */
type LiveOffer = RobotOffer

/**
 * The owner's live offers (unexpired pairing codes), and the offers taken back because their
 * robot stopped being online (a replacement is among `robots` when one was free); none for an
 * owner who may not have one yet.
 */
interface Offers {
  robots: LiveOffer[]
  withdrawn: WithdrawnOffer[]
}

const offersOf = (answer: { robots: LiveOffer[]; withdrawn?: WithdrawnOffer[] | null }): Offers => ({
  robots: answer.robots,
  withdrawn: answer.withdrawn ?? [],
})

async function getOffers(): Promise<Offers> {
  try {
    return offersOf(await api<{ robots: LiveOffer[]; withdrawn?: WithdrawnOffer[] | null }>('/api/robots/offers'))
  } catch (e) {
    if (e instanceof ApiError && e.code === PHONE_MISSING) return { robots: [], withdrawn: [] }
    throw e
  }
}

/**
 * /robots: the owner's robot offer, remembered (coming back shows the same one), followed while
 * the page is open (paired, in a group); or a button asking for one.
 */
export default function Robots() {
  const { state, reload, set } = useLoad(getOffers)
  const offers = state !== null && 'data' in state ? state.data : null
  // While an offer is live, pairing and joining happen in WeChat: the page follows by itself.
  usePoll(getOffers, set, OFFER_POLL_MS, offers !== null && offers.robots.length > 0)

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  return <RobotsPage offers={state.data} onOffers={set} />
}

function RobotsPage({
  offers: { robots: offers, withdrawn: taken },
  onOffers,
}: {
  offers: Offers
  onOffers: (offers: Offers) => void
}) {
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<{ text: string; needsPhone: boolean } | null>(null)
  const [none, setNone] = useState(false)
  // An offer is said taken back once: the notice stays while the page is open.
  const [withdrawn, setWithdrawn] = useState<WithdrawnOffer[]>([])
  useEffect(() => {
    if (taken.length) setWithdrawn((shown) => mergeWithdrawn(shown, taken))
  }, [taken])

  const onAssign = async () => {
    setLoading(true)
    setError(null)
    track('click', { button: 'assign_robot' })
    try {
      const answer = await assignRobots()
      setNone(answer.robots.length === 0)
      setWithdrawn([])
      // The live offers say more (paired, groups); until they answer, the new offer as given.
      onOffers(offersOf(answer))
      getOffers().then((live) => live.robots.length && onOffers(live), () => undefined)
      track('robot_assigned', { robots: answer.robots.length })
    } catch (e) {
      if (e instanceof ApiError) {
        if (!sessionGone(e)) setError(assignErrorMessage(e.code, e.message))
      } else {
        setError({ text: '领取失败，请稍后再试', needsPhone: false })
      }
    } finally {
      setLoading(false)
    }
  }

  return (
    <div className="page robots-page">
      <TitleBar title="领取机器人" />
      <p className="page-intro">领取一个机器人，把它拉进你的微信群，群越活跃，每日收益越高。</p>

      {withdrawn.map((w) => (
        <p
          key={w.robot_id}
          className="form-hint withdrawn-notice"
          role="status"
          data-testid="offer-withdrawn"
          data-robot-id={w.robot_id}
        >
          {withdrawnText(w, offers.length > 0)}
        </p>
      ))}

      {offers.length > 0 ? (
        offers.map((robot) => <RobotCard key={`${robot.robot_id}-${robot.pairing_code}`} robot={robot} />)
      ) : none ? (
        <p className="empty card" data-testid="robots-empty">
          暂时没有可领取的机器人，请稍后再来
        </p>
      ) : (
        <section className="card robot-intro">
          <div className="robot-intro-icon">
            <RobotIcon size={40} />
          </div>
          <StepList steps={ROBOT_STEPS} />
        </section>
      )}

      {error && (
        <div className="form-error" role="alert" data-testid="assign-error">
          <p>{error.text}</p>
          {error.needsPhone && (
            <Link className="btn btn-small btn-primary error-action" to={bindPhonePath('/robots')} data-testid="bind-phone-link">
              去绑定手机号
            </Link>
          )}
        </div>
      )}

      <Button
        block
        size="large"
        color="primary"
        fill={offers.length ? 'outline' : 'solid'}
        data-testid="assign-robot"
        onClick={onAssign}
        loading={loading}
        loadingText="正在分配…"
      >
        {offers.length ? '换一个机器人' : '领取机器人'}
      </Button>

      <Link className="link robots-groups-link" to="/groups">
        查看我的群 ›
      </Link>
    </div>
  )
}

function RobotCard({ robot }: { robot: LiveOffer }) {
  const stage = offerStage(robot)
  const said = offerStageText(robot)

  return (
    <section className="card robot-card" data-testid="robot-offer" data-robot-wxid={robot.robot_wxid} data-stage={stage}>
      <div className="robot-name" data-testid="robot-nickname">
        {robot.nickname}
      </div>

      <div className={`offer-status offer-${stage}`} role="status" data-testid="offer-status" data-stage={stage}>
        <p className="offer-status-title">
          {stage === 'waiting' ? said.title : `${said.title} ✓`}
          {stage === 'joined' &&
            robot.groups_joined?.map((g) => (
              <Link key={g.id} className="link offer-group" to={`/groups/${g.id}`} data-testid="offer-group-link" data-id={g.id}>
                {joinedGroupName(g)}
              </Link>
            ))}
        </p>
        <p className="muted">{said.next}</p>
      </div>

      {stage !== 'joined' && <RobotQr robot={robot} />}

      <PairingCode code={robot.pairing_code} />
      <p className="pairing-expiry" data-testid="pairing-expires">
        有效期至 {formatDateTime(robot.expires_at)}
      </p>

      <StepList steps={ROBOT_STEPS} testId="robot-steps" />
    </section>
  )
}
