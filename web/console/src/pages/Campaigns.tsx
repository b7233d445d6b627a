// 广告投放: ad campaigns the robots push into groups whose launch switch is on and whose rating
// reaches the campaign's minimum stars; edited or cancelled until they start sending.
import { useState, type FormEvent } from 'react'
import { charCount } from '@gpet/common/content'
import {
  cancelCampaign,
  canWrite,
  createCampaign,
  listCampaigns,
  updateCampaign,
  type Campaign,
  type ContentKind,
} from '../api'
import { useAuth } from '../auth'
import { useConfirmedAction, useEditing, usePagedList, useSubmit } from '../components/hooks'
import { ACTIONS, Field, FormFooter, ListFrame, Modal, PageHead, RowAction, StateTag, Table } from '../components/ui'
import {
  CONTENT_KINDS,
  MAX_TEXT,
  campaignState,
  campaignToForm,
  contentSummary,
  emptyCampaignForm,
  formToCampaign,
  isScheduled,
  targetProgress,
  type CampaignForm,
} from '../lib/campaigns'
import { formatDateTime, localInputAt } from '../lib/dates'

const NO_FILTERS: Record<never, string> = {}
const TEN_MINUTES = 600_000

export default function Campaigns() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const cancelling = useConfirmedAction<Campaign['id']>()
  const list = usePagedList(NO_FILTERS, (_, paging) => listCampaigns(paging))
  const { reload } = list
  const editing = useEditing<Campaign>(reload)

  const onCancel = (c: Campaign) =>
    cancelling.run(c.id, {
      confirm: {
        title: '取消投放',
        message: `确定取消「${c.name}」？取消后不会再发送，且不能恢复。`,
        okText: '取消投放',
        danger: true,
      },
      act: () => cancelCampaign(c.id),
      done: '已取消投放',
      then: reload,
    })

  return (
    <>
      <PageHead
        title="广告投放"
        hint="到开始时间后由机器人发送到投放开关开启、星级达到要求的群；开始发送前可修改或取消（北京时间）"
        writable={writable}
        create={{ text: '新建投放', testId: 'campaign-new', onClick: () => editing.edit(null) }}
      />
      <section className="card">
        <ListFrame list={list} testId="campaigns-list" empty={{ text: '暂无投放', testId: 'campaigns-empty' }}>
          {(data) => (
            <Table
              testId="campaigns-table"
              columns={['名称', '内容', '最低星级', '开始时间', '状态', '投放进度', '创建时间', writable && ACTIONS]}
              items={data.items}
              row={(c) => {
                const targets = c.targets ?? { total: 0, sent: 0, failed: 0, pending: 0 }
                return (
                  <tr key={c.id} data-testid="campaign-row" data-state={c.state}>
                    <td>
                      <strong data-testid="campaign-name-cell">{c.name}</strong>
                    </td>
                    <td className="ellipsis" title={contentSummary(c.content, 500)}>
                      {contentSummary(c.content)}
                    </td>
                    <td className="nowrap">≥ {c.min_stars} 星</td>
                    <td className="nowrap">{formatDateTime(c.starts_at)}</td>
                    <td>
                      <StateTag look={campaignState(c.state)} testId="campaign-state" />
                    </td>
                    <td>
                      <div className="target-cell" data-testid="campaign-targets">
                        <div className="progress" aria-hidden="true">
                          <span style={{ width: `${targetProgress(targets)}%` }} />
                        </div>
                        <div className="use-nums">
                          <span>共 {targets.total}</span>
                          <span className="text-success" data-testid="campaign-sent">
                            成功 {targets.sent}
                          </span>
                          <span className={targets.failed ? 'text-danger' : undefined} data-testid="campaign-failed">
                            失败 {targets.failed}
                          </span>
                          <span data-testid="campaign-pending">待发 {targets.pending}</span>
                        </div>
                      </div>
                    </td>
                    <td className="nowrap">{formatDateTime(c.created_at)}</td>
                    {writable && (
                      <td className="actions">
                        {isScheduled(c) && (
                          <>
                            <RowAction testId="campaign-edit" onClick={() => editing.edit(c)}>编辑</RowAction>
                            <RowAction
                              testId="campaign-cancel"
                              danger
                              disabled={cancelling.busyId === c.id}
                              onClick={() => onCancel(c)}
                            >
                              取消
                            </RowAction>
                          </>
                        )}
                      </td>
                    )}
                  </tr>
                )
              }}
            />
          )}
        </ListFrame>
      </section>
      {editing.open && <CampaignDialog campaign={editing.open.item} {...editing.dialog} />}
      {cancelling.dialog}
    </>
  )
}

function CampaignDialog({
  campaign,
  onClose,
  onSaved,
}: {
  campaign: Campaign | null
  onClose: () => void
  onSaved: () => void
}) {
  const [form, setForm] = useState<CampaignForm>(() =>
    campaign ? campaignToForm(campaign) : emptyCampaignForm(localInputAt(Date.now() + TEN_MINUTES)),
  )
  const { problem, setProblem, busy, submit } = useSubmit()
  const set = (patch: Partial<CampaignForm>) => setForm((prev) => ({ ...prev, ...patch }))
  const input = (key: keyof CampaignForm, testId: string, placeholder?: string) => (
    <input
      value={form[key]}
      placeholder={placeholder}
      data-testid={testId}
      onChange={(e) => set({ [key]: e.target.value } as Partial<CampaignForm>)}
    />
  )

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
    const parsed = formToCampaign(form)
    if ('error' in parsed) return setProblem(parsed.error)
    setProblem('')
    await submit(() => (campaign ? updateCampaign(campaign.id, parsed.body) : createCampaign(parsed.body)), {
      done: campaign ? '已保存' : '已创建投放',
      then: onSaved,
    })
  }

  return (
    <Modal title={campaign ? '编辑投放' : '新建投放'} onClose={onClose} testId="campaign-form" width={600}>
      <form onSubmit={onSubmit} noValidate>
        <Field label="投放名称" hint="仅运营后台可见">
          <input value={form.name} autoFocus data-testid="campaign-name" onChange={(e) => set({ name: e.target.value })} />
        </Field>
        <div className="field">
          <span>内容类型</span>
          <div className="segmented" role="radiogroup" aria-label="内容类型" data-testid="campaign-kind">
            {CONTENT_KINDS.map((k) => (
              <button
                key={k.value}
                type="button"
                role="radio"
                aria-checked={form.kind === k.value}
                className={form.kind === k.value ? 'seg active' : 'seg'}
                data-testid={`campaign-kind-${k.value}`}
                onClick={() => set({ kind: k.value as ContentKind })}
              >
                {k.label}
              </button>
            ))}
          </div>
        </div>
        {form.kind === 'text' && (
          <Field label="文字内容" hint={`${charCount(form.text)} / ${MAX_TEXT}，换行会原样发送`}>
            <textarea rows={5} value={form.text} data-testid="campaign-text" onChange={(e) => set({ text: e.target.value })} />
          </Field>
        )}
        {form.kind !== 'text' && <Field label="标题">{input('title', 'campaign-title')}</Field>}
        {form.kind === 'link' && (
          <>
            <Field label="描述（选填）">{input('desc', 'campaign-desc')}</Field>
            <Field label="链接地址">{input('url', 'campaign-url', 'https://…')}</Field>
            <Field label="图片地址（选填）">{input('image_url', 'campaign-image-url', 'https://…')}</Field>
          </>
        )}
        {form.kind === 'miniprogram' && (
          <>
            <div className="field-row">
              <Field label="小程序 AppID">{input('appid', 'campaign-appid', 'wx…')}</Field>
              <Field label="页面路径">{input('pagepath', 'campaign-pagepath', 'pages/index/index')}</Field>
            </div>
            <Field label="封面图地址（选填）">{input('thumb_url', 'campaign-thumb-url', 'https://…')}</Field>
          </>
        )}
        <div className="field-row">
          <Field label="最低星级" hint="只投放到星级不低于此值、且投放开关开启的群">
            <select value={form.min_stars} data-testid="campaign-min-stars" onChange={(e) => set({ min_stars: e.target.value })}>
              {[1, 2, 3, 4, 5].map((n) => (
                <option key={n} value={String(n)}>
                  {n} 星及以上
                </option>
              ))}
            </select>
          </Field>
          <Field label="开始时间（北京时间）">
            <input
              type="datetime-local"
              value={form.starts_at}
              data-testid="campaign-starts"
              onChange={(e) => set({ starts_at: e.target.value })}
            />
          </Field>
        </div>
        <FormFooter problem={problem} busy={busy} onCancel={onClose} testId="campaign-submit" />
      </form>
    </Modal>
  )
}
