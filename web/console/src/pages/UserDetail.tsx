// One owner: profile (phone and identity masked by the server), the referral tree around them,
// and freeze / unfreeze.
import { useState, type ReactNode } from 'react'
import { Link, useParams } from 'react-router-dom'
import { charCount } from '@gpet/common/content'
import { canWrite, freezeUser, getUser, unfreezeUser, type Person, type UserDetail as Detail } from '../api'
import { useAuth } from '../auth'
import { useConfirmedAction, useLoad, useSubmit } from '../components/hooks'
import { Avatar, Field, LoadError, Loading, Modal, Tag } from '../components/ui'
import { formatDateTime } from '../lib/dates'
import { validateReason } from '../lib/text'

const MAX_REASON = 200

export default function UserDetail() {
  const { id = '' } = useParams()
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const [freezing, setFreezing] = useState(false)
  const unfreezing = useConfirmedAction<string>()
  const { data, error, loading, reload } = useLoad(() => getUser(id), [id])

  const onUnfreeze = async () => {
    if (!data) return
    await unfreezing.run(id, {
      confirm: {
        title: '解冻用户',
        message: `确定解冻「${data.user.nickname}」？解冻后该用户恢复正常使用。`,
        okText: '解冻',
      },
      act: () => unfreezeUser(id),
      done: '已解冻',
      then: reload,
    })
  }

  return (
    <>
      <nav className="breadcrumb">
        <Link to="/users">用户</Link>
        <span aria-hidden="true">/</span>
        <span>{data?.user.nickname ?? id}</span>
      </nav>
      {!data && loading && <Loading />}
      {!data && error && <LoadError error={error} onRetry={reload} />}
      {data && (
        <>
          <div className="page-head">
            <div className="user-title">
              <Avatar url={data.user.avatar_url} name={data.user.nickname} size={48} />
              <div>
                <h1 data-testid="user-nickname">{data.user.nickname || '（无昵称）'}</h1>
                <span className="tags">
                  {data.user.frozen ? (
                    <Tag tone="danger" testId="user-frozen">
                      已冻结
                    </Tag>
                  ) : (
                    <Tag tone="success">正常</Tag>
                  )}
                  {data.user.snapshot && <Tag tone="warning">快照用户</Tag>}
                  {data.user.identity_verified && <Tag tone="primary">已实名</Tag>}
                </span>
              </div>
            </div>
            {writable && (
              <div className="page-actions">
                {data.user.frozen ? (
                  <button
                    className="btn btn-primary"
                    data-testid="unfreeze-button"
                    disabled={unfreezing.busyId !== null}
                    onClick={onUnfreeze}
                  >
                    解冻
                  </button>
                ) : (
                  <button className="btn btn-danger" data-testid="freeze-button" onClick={() => setFreezing(true)}>
                    冻结
                  </button>
                )}
              </div>
            )}
          </div>
          {!writable && <ReadOnly />}
          <div className="detail-grid">
            <Profile detail={data} />
            <ReferralTree detail={data} />
          </div>
        </>
      )}
      {freezing && data && (
        <FreezeDialog
          nickname={data.user.nickname}
          onClose={() => setFreezing(false)}
          onFrozen={() => {
            setFreezing(false)
            reload()
          }}
          userId={id}
        />
      )}
      {unfreezing.dialog}
    </>
  )
}

const ReadOnly = () => (
  <div className="note" data-testid="readonly-note">
    当前角色只能查看，不能冻结或解冻用户。
  </div>
)

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  )
}

function Profile({ detail: { user } }: { detail: Detail }) {
  return (
    <section className="card" data-testid="user-profile">
      <h2 className="card-title">资料</h2>
      <dl className="desc">
        <Row label="用户 ID">
          <span className="mono">{user.id}</span>
        </Row>
        <Row label="昵称">{user.nickname || '—'}</Row>
        <Row label="手机号">
          <span className="mono" data-testid="user-phone">
            {user.phone ?? <span className="muted">未绑定</span>}
          </span>
        </Row>
        <Row label="实名信息">
          {user.identity ? (
            <span data-testid="user-identity">
              {user.identity.name} <span className="mono">{user.identity.id_number}</span>
            </span>
          ) : (
            <span className="muted">未实名</span>
          )}
        </Row>
        <Row label="邀请码">
          <span className="mono">{user.invite_code}</span>
        </Row>
        <Row label="快照用户">{user.snapshot ? '是' : '否'}</Row>
        <Row label="状态">
          {user.frozen ? (
            <span className="text-danger">
              已冻结{user.frozen_reason ? `：${user.frozen_reason}` : ''}
            </span>
          ) : (
            '正常'
          )}
        </Row>
        <Row label="注册时间">{formatDateTime(user.created_at)}</Row>
        <Row label="最近登录">{formatDateTime(user.last_login_at)}</Row>
        <Row label="群">
          <Link to={`/groups?owner_id=${encodeURIComponent(user.id)}`} data-testid="user-groups-link">
            查看该用户的群
          </Link>
        </Row>
      </dl>
    </section>
  )
}

function PersonChip({ person, empty }: { person: Person | null; empty: string }) {
  if (!person) return <span className="muted">{empty}</span>
  return (
    <Link to={`/users/${person.id}`} className="user-cell">
      <Avatar url={person.avatar_url} name={person.nickname} size={24} />
      <span>{person.nickname || '（无昵称）'}</span>
      <span className="muted mono">#{person.id}</span>
    </Link>
  )
}

function ReferralTree({ detail: { user, referral } }: { detail: Detail }) {
  return (
    <section className="card" data-testid="referral-tree">
      <h2 className="card-title">师徒关系</h2>
      <ol className="tree">
        <li className="tree-node" data-testid="referral-grand-master">
          <span className="tree-role">师爷</span>
          <PersonChip person={referral.grand_master} empty="无" />
        </li>
        <li className="tree-node" data-testid="referral-master">
          <span className="tree-role">师傅</span>
          <PersonChip person={referral.master} empty="无" />
        </li>
        <li className="tree-node tree-self">
          <span className="tree-role">本人</span>
          <span className="user-cell">
            <Avatar url={user.avatar_url} name={user.nickname} size={24} />
            <strong>{user.nickname || '（无昵称）'}</strong>
          </span>
        </li>
        <li className="tree-node tree-children">
          <span className="tree-role">徒弟</span>
          <span>
            <b data-testid="referral-apprentice-count">{referral.apprentices.length}</b> 人 · 徒孙合计{' '}
            <b data-testid="referral-grand-apprentices">{referral.grand_apprentices}</b> 人
          </span>
        </li>
      </ol>
      {referral.apprentices.length === 0 ? (
        <div className="state small" data-testid="apprentices-empty">
          暂无徒弟
        </div>
      ) : (
        <ul className="apprentices" data-testid="apprentices">
          {referral.apprentices.map((a) => (
            <li key={a.id} data-testid="apprentice">
              <PersonChip person={a} empty="" />
              <span className="muted">{formatDateTime(a.created_at)}</span>
              <span className="apprentice-count">徒弟 {a.apprentices} 人</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

function FreezeDialog({
  userId,
  nickname,
  onClose,
  onFrozen,
}: {
  userId: string
  nickname: string
  onClose: () => void
  onFrozen: () => void
}) {
  const [reason, setReason] = useState('')
  const { problem, setProblem, busy, submit: send } = useSubmit()

  const submit = async () => {
    const invalid = validateReason(reason, '冻结原因', MAX_REASON)
    setProblem(invalid)
    if (invalid) return
    await send(() => freezeUser(userId, reason.trim()), { done: '已冻结', failed: '冻结失败', then: onFrozen })
  }

  return (
    <Modal
      title={`冻结「${nickname}」`}
      onClose={onClose}
      testId="freeze-dialog"
      footer={
        <>
          <button className="btn btn-default" onClick={onClose}>
            取消
          </button>
          <button className="btn btn-danger" data-testid="freeze-confirm" disabled={busy} onClick={submit}>
            {busy ? '提交中…' : '确认冻结'}
          </button>
        </>
      }
    >
      <Field label="冻结原因" hint={`${charCount(reason.trim())} / ${MAX_REASON}`}>
        <textarea
          rows={4}
          value={reason}
          autoFocus
          data-testid="freeze-reason"
          placeholder="例如：违规推广，经核实后冻结"
          onChange={(e) => setReason(e.target.value)}
        />
      </Field>
      {problem && (
        <div className="alert" role="alert">
          {problem}
        </div>
      )}
    </Modal>
  )
}
