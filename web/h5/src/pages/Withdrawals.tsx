import { List } from 'antd-mobile'
import { useNavigate } from 'react-router-dom'
import { type Withdrawal, getWithdrawals } from '../api'
import { formatDateTime, formatFen } from '../lib/format'
import { usePages } from '../hooks'
import { failureText, isRefunded } from '../lib/withdrawals'
import { EmptyList, MoreButton, TitleBar, WithdrawalStateTag } from '../ui'
import { Loading } from './states'

/** /withdrawals: the owner's withdrawals, newest first, a page at a time. */
export default function Withdrawals() {
  const list = usePages(getWithdrawals)
  const { items, loaded, loading } = list

  if (!loaded && loading) return <Loading />
  return (
    <div className="page withdrawals-page">
      <TitleBar title="提现记录" />
      {loaded && items.length === 0 && (
        <EmptyList
          text="还没有提现记录"
          testId="withdrawals-empty"
          link={{ to: '/withdraw', text: '去提现', testId: 'withdrawals-empty-withdraw' }}
        />
      )}
      {items.length > 0 && (
        <List className="card withdrawal-list" data-testid="withdrawal-list">
          {items.map((w) => (
            <WithdrawalRow key={w.id} withdrawal={w} />
          ))}
        </List>
      )}
      <MoreButton list={list} testId="withdrawals" />
    </div>
  )
}

function WithdrawalRow({ withdrawal: w }: { withdrawal: Withdrawal }) {
  const navigate = useNavigate()
  return (
    <List.Item
      className="withdrawal-item"
      arrowIcon
      onClick={() => navigate(`/withdrawals/${w.id}`)}
      data-testid="withdrawal-row"
      data-id={w.id}
      data-state={w.state}
      description={
        <>
          <div className="person-meta">申请时间 {formatDateTime(w.created_at)}</div>
          {isRefunded(w.state) && (
            <div className="withdrawal-reason" data-testid="withdrawal-reason">
              {failureText(w)}
            </div>
          )}
        </>
      }
    >
      <div className="withdrawal-head">
        <span className="withdrawal-amount" data-testid="withdrawal-amount" data-fen={w.amount_fen}>
          {formatFen(w.amount_fen)}
        </span>
        <WithdrawalStateTag state={w.state} />
      </div>
    </List.Item>
  )
}
