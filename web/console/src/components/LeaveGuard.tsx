// Asks before unsaved edits are lost: on leaving the page inside the console (a menu click, a
// link, back) and on closing or reloading the tab.
import { useEffect } from 'react'
import { Modal } from 'antd'
import { useBlocker } from 'react-router-dom'

export default function LeaveGuard({ dirty, what = '修改' }: { dirty: boolean; what?: string }) {
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname)

  useEffect(() => {
    if (!dirty) return
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault()
      // Older browsers want a value; the text itself is the browser's own.
      e.returnValue = ''
    }
    window.addEventListener('beforeunload', onBeforeUnload)
    return () => window.removeEventListener('beforeunload', onBeforeUnload)
  }, [dirty])

  return (
    <Modal
      open={blocker.state === 'blocked'}
      title="离开此页面？"
      okText="离开，不保存"
      cancelText="留下继续编辑"
      okButtonProps={{ danger: true, 'data-testid': 'leave-confirm' }}
      cancelButtonProps={{ 'data-testid': 'leave-cancel' }}
      onOk={() => blocker.proceed?.()}
      onCancel={() => blocker.reset?.()}
      wrapProps={{ 'data-testid': 'leave-dialog' }}
    >
      有未保存的{what}，离开后这些{what}将丢失。
    </Modal>
  )
}
