import type { ComponentType } from 'react'
import { useNavigate, useParams } from 'react-router-dom'
import { ErrorState } from './states'

export default function NotFound() {
  const navigate = useNavigate()
  return <ErrorState title="页面不存在" msg="您访问的页面不存在或已下线" action="返回首页" onAction={() => navigate('/')} />
}

/** The page of the item whose id is the path's :id, or NotFound for any other :id; a new id starts the page afresh. */
export function ById({ page: Page }: { page: ComponentType<{ id: number }> }) {
  const { id } = useParams()
  const n = Number(id)
  if (!/^\d+$/.test(id ?? '') || !Number.isSafeInteger(n)) return <NotFound />
  return <Page key={n} id={n} />
}
