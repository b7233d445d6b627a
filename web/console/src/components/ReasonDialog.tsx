// The dialog of an action that cannot be undone and whose reason someone else reads (a forced
// exit, a rejected withdrawal), on antd's Modal.
import { useState, type ReactNode } from 'react'
import { Alert, Input, Modal, Typography } from 'antd'
import { charCount } from '@gpet/common/content'
import { useSubmit } from './hooks'

export function ReasonDialog({
  title,
  testId,
  note,
  reason: field,
  send,
  done,
  failed,
  confirm,
  onClose,
  onDone,
}: {
  title: string
  testId: string
  /** What the action does, above the reason. */
  note: ReactNode
  reason: { label: string; max: number; placeholder: string; testId: string; validate: (reason: string) => string }
  /** Sends the reason, trimmed. */
  send: (reason: string) => Promise<unknown>
  /** The toast once done, and the problem shown when a refusal has no message. */
  done: string
  failed: string
  /** The submit button. */
  confirm: { text: string; testId: string }
  onClose: () => void
  onDone: () => void
}) {
  const [reason, setReason] = useState('')
  const { problem, setProblem, busy, submit } = useSubmit()

  const onSubmit = async () => {
    const invalid = field.validate(reason)
    setProblem(invalid)
    if (invalid) return
    await submit(() => send(reason.trim()), { done, failed, then: onDone })
  }

  return (
    <Modal
      open
      title={title}
      onCancel={onClose}
      onOk={onSubmit}
      okText={busy ? '提交中…' : confirm.text}
      okButtonProps={{ danger: true, loading: busy, 'data-testid': confirm.testId }}
      cancelText="取消"
      maskClosable={!busy}
      destroyOnHidden
      wrapProps={{ 'data-testid': testId }}
    >
      <Typography.Paragraph type="secondary">{note}</Typography.Paragraph>
      <label style={{ display: 'block' }}>
        <div style={{ marginBottom: 6 }}>{field.label}</div>
        <Input.TextArea
          rows={3}
          value={reason}
          autoFocus
          placeholder={field.placeholder}
          data-testid={field.testId}
          onChange={(e) => setReason(e.target.value)}
          onPressEnter={(e) => {
            if (e.ctrlKey || e.metaKey) void onSubmit()
          }}
        />
      </label>
      <Typography.Text type="secondary" style={{ display: 'block', textAlign: 'right', fontSize: 12 }}>
        {charCount(reason.trim())} / {field.max}
      </Typography.Text>
      {problem && <Alert type="error" showIcon title={problem} role="alert" style={{ marginTop: 8 }} />}
    </Modal>
  )
}
