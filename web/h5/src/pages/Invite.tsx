import { Button, List, Toast } from 'antd-mobile'
import { useEffect } from 'react'
import { Navigate } from 'react-router-dom'
import { type Me, type Person, type Referral, getMe, getReferral } from '../api'
import { formatDate, formatFen } from '../lib/format'
import { useLoad } from '../hooks'
import { copyText } from '../copy'
import { track } from '../track'
import { bindPhonePath } from '../lib/validate'
import { inviteCard, shareQuietly } from '../wechat'
import { QrCode } from '../qr'
import { Figure, TitleBar } from '../ui'
import { LoadError, Loading } from './states'

/** The profile first: without a phone the page leads to binding one instead. */
async function loadInvite(): Promise<{ me: Me; referral: Referral | null }> {
  const me = await getMe()
  return { me, referral: me.phone ? await getReferral() : null }
}

/** /invite: the invite link, code and QR code; the master and the apprentices. */
export default function Invite() {
  const { state, reload } = useLoad(loadInvite)
  const loaded = state !== null && 'data' in state ? state.data : null
  // Shared from this page, the invite travels as a card carrying the owner's link.
  useEffect(() => {
    if (loaded?.referral) shareQuietly(inviteCard(loaded.me.nickname, loaded.me.avatar_url, loaded.referral.invite_url))
  }, [loaded])

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  const { me, referral } = state.data
  if (!referral) return <Navigate to={bindPhonePath('/invite')} replace />

  return (
    <div className="page invite-page">
      <TitleBar title="邀请好友" />
      {me.snapshot && (
        <p className="notice notice-warn" data-testid="snapshot-notice">
          快照用户无法邀请好友或拜师，请使用完整授权登录
        </p>
      )}
      <InviteCard referral={referral} />

      <List className="card" header={<h2 className="card-title">我的师傅</h2>} data-testid="masters">
        <MasterRow label="师傅" person={referral.master} testId="master" empty="暂无师傅" />
        <MasterRow label="师爷" person={referral.grand_master} testId="grand-master" empty="暂无师爷" />
      </List>

      <section className="card" data-testid="referral-earnings">
        <h2 className="card-title">
          分成收益
          <span className="card-title-extra">累计已结算</span>
        </h2>
        <div className="stats stats-last">
          <Figure value={formatFen(referral.total_contributed_fen)} label="徒弟贡献" testId="total-contributed" money />
          <Figure value={formatFen(referral.grand_contributed_fen)} label="徒孙贡献" testId="grand-contributed" money />
        </div>
      </section>

      <section className="card" data-testid="apprentices">
        <h2 className="card-title">
          我的徒弟
          <span className="card-title-extra" data-testid="apprentice-count">
            {referral.apprentices.length} 人 · 徒孙 {referral.grand_apprentices} 人
          </span>
        </h2>
        {referral.apprentices.length === 0 ? (
          <p className="empty" data-testid="apprentices-empty">
            还没有徒弟，把邀请链接发给好友吧
          </p>
        ) : (
          <List className="person-list" data-testid="apprentice-list">
            {referral.apprentices.map((a) => (
              <List.Item
                key={a.id}
                data-testid="apprentice"
                data-id={a.id}
                prefix={<Avatar src={a.avatar_url} />}
                description={`拜师于 ${formatDate(a.bound_at)}`}
                extra={
                  <div className="person-side">
                    <div className="money" data-testid="apprentice-contributed" data-fen={a.contributed_fen}>
                      {formatFen(a.contributed_fen)}
                    </div>
                    <div className="person-meta">贡献收益</div>
                  </div>
                }
              >
                <span className="person-name">{a.nickname}</span>
              </List.Item>
            ))}
          </List>
        )}
      </section>
    </div>
  )
}

function InviteCard({ referral }: { referral: Referral }) {
  const onCopy = async () => {
    track('click', { button: 'copy_invite_link' })
    const ok = await copyText(referral.invite_url)
    Toast.show(
      ok
        ? { icon: 'success', content: <span data-testid="copy-status">已复制，快去发给好友吧</span> }
        : { content: <span data-testid="copy-status">复制失败，请长按链接手动复制</span> },
    )
  }

  return (
    <section className="card invite-card">
      <p className="invite-card-lead">好友通过你的链接登录，即成为你的徒弟，你可获得徒弟收益分成</p>
      <QrCode value={referral.invite_url} label="邀请二维码，微信扫码或长按识别" />
      <p className="muted invite-qr-hint">微信扫一扫，或截图分享给好友</p>
      <div className="invite-code-row">
        <span>邀请码</span>
        <span className="invite-code-big" data-testid="invite-code">
          {referral.invite_code}
        </span>
      </div>
      <div className="copy-row">
        <span className="copy-text" data-testid="invite-url">
          {referral.invite_url}
        </span>
        <Button size="small" color="primary" data-testid="copy-invite" onClick={onCopy}>
          复制链接
        </Button>
      </div>
    </section>
  )
}

function Avatar({ src, size = 40 }: { src: string; size?: number }) {
  return <img className="person-avatar" src={src} alt="" width={size} height={size} loading="lazy" />
}

function MasterRow(props: { label: string; person: Person | null; testId: string; empty: string }) {
  const { person, testId } = props
  return (
    <List.Item
      className="master-row"
      extra={
        person ? (
          <span className="row-value" data-testid={testId}>
            <Avatar src={person.avatar_url} size={28} />
            <span className="person-name" data-testid={`${testId}-name`}>
              {person.nickname}
            </span>
          </span>
        ) : (
          <span className="muted" data-testid={testId}>
            {props.empty}
          </span>
        )
      }
    >
      {props.label}
    </List.Item>
  )
}
