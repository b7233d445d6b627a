import { useState } from 'react'
import { Button, Toast } from 'antd-mobile'
import { Link } from 'react-router-dom'
import './forms.css'
import { ApiError, PHONE_MISSING, type RobotOffer, api, assignRobots, sessionGone } from '../api'
import { formatDateTime } from '../lib/format'
import { ROBOT_STEPS, assignErrorMessage } from '../lib/groups'
import { OFFER_POLL_MS, joinedGroupName, offerStage, offerStageText } from '../lib/offers'
import { useLoad, usePoll } from '../hooks'
import { RobotIcon } from '../icons'
import { track } from '../track'
import { bindPhonePath } from '../lib/validate'
import { copyText } from '../copy'
import { TitleBar } from '../ui'
import { QrCode } from '../qr'
import { LoadError, Loading } from './states'

/** An offer as GET /api/robots/offers answers it: paired yet, groups joined since. */
type LiveOffer = RobotOffer

/** The owner's live offers (unexpired pairing codes); none for an owner who may not have one yet. */
async function getOffers(): Promise<LiveOffer[]> {
  try {
    return (await api<{ robots: LiveOffer[] }>('/api/robots/offers')).robots
  } catch (e) {
    if (e instanceof ApiError && e.code === PHONE_MISSING) return []
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
  usePoll(getOffers, set, OFFER_POLL_MS, offers !== null && offers.length > 0)

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  return <RobotsPage offers={state.data} onOffers={set} />
}

function RobotsPage({ offers, onOffers }: { offers: LiveOffer[]; onOffers: (offers: LiveOffer[]) => void }) {
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<{ text: string; needsPhone: boolean } | null>(null)
  const [none, setNone] = useState(false)

  const onAssign = async () => {
    setLoading(true)
    setError(null)
    track('click', { button: 'assign_robot' })
    try {
      const answer = await assignRobots()
      setNone(answer.robots.length === 0)
      // The live offers say more (paired, groups); until they answer, the new offer as given.
      onOffers(answer.robots)
      getOffers().then((live) => live.length && onOffers(live), () => undefined)
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
          <Steps />
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
  const [imageFailed, setImageFailed] = useState(!robot.qr_code_url)
  const stage = offerStage(robot)
  const said = offerStageText(robot)

  const onCopy = async () => {
    track('click', { button: 'copy_pairing_code' })
    const ok = await copyText(robot.pairing_code)
    Toast.show({
      content: ok ? '配对码已复制，添加好友时粘贴到验证信息里' : '复制失败，请长按配对码手动复制',
      icon: ok ? 'success' : undefined,
    })
  }

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

      {stage !== 'joined' && (
        <>
          {imageFailed ? (
            <QrCode value={robot.robot_wxid} label={`机器人 ${robot.nickname} 的二维码`} testId="robot-qr-fallback" />
          ) : (
            <img
              className="qr robot-qr"
              data-testid="robot-qr"
              src={robot.qr_code_url}
              alt={`机器人 ${robot.nickname} 的二维码`}
              width={168}
              height={168}
              onError={() => setImageFailed(true)}
            />
          )}
          <p className="muted invite-qr-hint">长按识别二维码，添加机器人为好友</p>
        </>
      )}

      <div className="pairing">
        <span className="pairing-label">配对码</span>
        <span className="pairing-code" data-testid="pairing-code">
          {robot.pairing_code}
        </span>
        <Button size="small" color="primary" data-testid="copy-pairing-code" onClick={onCopy}>
          复制
        </Button>
      </div>
      <p className="pairing-expiry" data-testid="pairing-expires">
        有效期至 {formatDateTime(robot.expires_at)}
      </p>

      <Steps testId="robot-steps" />
    </section>
  )
}

/** The steps from a robot's QR code to an active group, numbered. */
function Steps({ testId }: { testId?: string }) {
  return (
    <ol className="steps" data-testid={testId}>
      {ROBOT_STEPS.map((step, i) => (
        <li key={i}>
          <span className="step-no">{i + 1}</span>
          <span>{step}</span>
        </li>
      ))}
    </ol>
  )
}
