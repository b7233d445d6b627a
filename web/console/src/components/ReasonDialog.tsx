// The dialog of an action that cannot be undone and whose reason someone else reads (a forced
// exit, a rejected withdrawal).
import { useState, type FormEvent, type ReactNode } from 'react'
import { charCount } from '@gpet/common/content'
import { useSubmit } from './hooks'
import { Field, FormFooter, Modal } from './ui'

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

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
    const invalid = field.validate(reason)
    setProblem(invalid)
    if (invalid) return
    await submit(() => send(reason.trim()), { done, failed, then: onDone })
  }

  return (
    <Modal title={title} onClose={onClose} testId={testId}>
      <form onSubmit={onSubmit} noValidate>
        <p className="muted small dialog-note">{note}</p>
        <Field label={field.label} hint={`${charCount(reason.trim())} / ${field.max}`}>
          <textarea
            rows={3}
            value={reason}
            autoFocus
            placeholder={field.placeholder}
            data-testid={field.testId}
            onChange={(e) => setReason(e.target.value)}
          />
        </Field>
        <FormFooter
          problem={problem}
          busy={busy}
          onCancel={onClose}
          submitText={confirm.text}
          busyText="提交中…"
          danger
          testId={confirm.testId}
        />
      </form>
    </Modal>
  )
}
