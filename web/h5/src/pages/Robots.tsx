import { useState } from 'react'
import { Link } from 'react-router-dom'
import { ApiError, type RobotOffer, assignRobots, sessionGone } from '../api'
import { formatDateTime } from '../lib/format'
import { ROBOT_STEPS, assignErrorMessage } from '../lib/groups'
import { useCopy } from '../hooks'
import { RobotIcon } from '../icons'
import { track } from '../track'
import { bindPhonePath } from '../lib/validate'
import { CopyStatus, PageHeader, QrCode } from '../widgets'

/** /robots: asks for a robot and shows how to bring it into a group. */
export default function Robots() {
  const [robots, setRobots] = useState<RobotOffer[] | null>(null)
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<{ text: string; needsPhone: boolean } | null>(null)

  const onAssign = async () => {
    setLoading(true)
    setError(null)
    track('click', { button: 'assign_robot' })
    try {
      const answer = await assignRobots()
      setRobots(answer.robots)
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
      <PageHeader title="领取机器人" />
      <p className="page-intro">领取一个机器人，把它拉进你的微信群，群越活跃，每日收益越高。</p>

      {robots === null ? (
        <section className="card robot-intro">
          <div className="robot-intro-icon">
            <RobotIcon size={40} />
          </div>
          <Steps />
        </section>
      ) : robots.length === 0 ? (
        <p className="empty card" data-testid="robots-empty">
          暂时没有可领取的机器人，请稍后再来
        </p>
      ) : (
        robots.map((robot) => <RobotCard key={`${robot.robot_id}-${robot.pairing_code}`} robot={robot} />)
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

      <button
        type="button"
        className={`btn btn-block ${robots?.length ? 'btn-outline' : 'btn-primary'}`}
        data-testid="assign-robot"
        onClick={onAssign}
        disabled={loading}
      >
        {loading ? '正在分配…' : robots?.length ? '换一个机器人' : '领取机器人'}
      </button>

      <Link className="link robots-groups-link" to="/groups">
        查看我的群 ›
      </Link>
    </div>
  )
}

function RobotCard({ robot }: { robot: RobotOffer }) {
  const [imageFailed, setImageFailed] = useState(!robot.qr_code_url)
  const [copied, copy] = useCopy()

  const onCopy = () => {
    track('click', { button: 'copy_pairing_code' })
    return copy(robot.pairing_code)
  }

  return (
    <section className="card robot-card" data-testid="robot-offer" data-robot-wxid={robot.robot_wxid}>
      <div className="robot-name" data-testid="robot-nickname">
        {robot.nickname}
      </div>
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

      <div className="pairing">
        <span className="pairing-label">配对码</span>
        <span className="pairing-code" data-testid="pairing-code">
          {robot.pairing_code}
        </span>
        <button type="button" className="btn btn-small btn-primary" data-testid="copy-pairing-code" onClick={onCopy}>
          复制
        </button>
      </div>
      <p className="pairing-expiry" data-testid="pairing-expires">
        有效期至 {formatDateTime(robot.expires_at)}
      </p>
      <CopyStatus copied={copied} ok="配对码已复制，添加好友时粘贴到验证信息里" failed="复制失败，请长按配对码手动复制" />

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
