// A robot to add on WeChat, as the robot page and a group's replacement card show it: its QR code
// (the image, or drawn from its WeChat id when the image fails), the pairing code to copy, the
// numbered steps.
import { Button, Toast } from 'antd-mobile'
import { useState } from 'react'
import { copyText } from './copy'
import { QrCode } from './qr'
import { track } from './track'

/** The robot's QR code: its image, else drawn from its WeChat id. */
export function RobotQr({ robot }: { robot: { robot_wxid: string; nickname: string; qr_code_url?: string | null } }) {
  const [imageFailed, setImageFailed] = useState(!robot.qr_code_url)
  const label = `机器人 ${robot.nickname} 的二维码`
  return (
    <>
      {imageFailed || !robot.qr_code_url ? (
        <QrCode value={robot.robot_wxid} label={label} testId="robot-qr-fallback" />
      ) : (
        <img
          className="qr robot-qr"
          data-testid="robot-qr"
          src={robot.qr_code_url}
          alt={label}
          width={168}
          height={168}
          onError={() => setImageFailed(true)}
        />
      )}
      <p className="muted invite-qr-hint">长按识别二维码，添加机器人为好友</p>
    </>
  )
}

/** The pairing code, large, with a button copying it. */
export function PairingCode({ code }: { code: string }) {
  const onCopy = async () => {
    track('click', { button: 'copy_pairing_code' })
    const ok = await copyText(code)
    Toast.show({
      content: ok ? '配对码已复制，添加好友时粘贴到验证信息里' : '复制失败，请长按配对码手动复制',
      icon: ok ? 'success' : undefined,
    })
  }
  return (
    <div className="pairing">
      <span className="pairing-label">配对码</span>
      <span className="pairing-code" data-testid="pairing-code">
        {code}
      </span>
      <Button size="small" color="primary" data-testid="copy-pairing-code" onClick={onCopy}>
        复制
      </Button>
    </div>
  )
}

/** Steps, numbered. */
export function StepList({ steps, testId }: { steps: readonly string[]; testId?: string }) {
  return (
    <ol className="steps" data-testid={testId}>
      {steps.map((step, i) => (
        <li key={i}>
          <span className="step-no">{i + 1}</span>
          <span>{step}</span>
        </li>
      ))}
    </ol>
  )
}
