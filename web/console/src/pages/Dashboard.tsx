// The dashboard frame; its charts will be drawn from GET /api/console/dashboard.

const CHARTS = [
  { title: '日活跃用户', hint: '每日登录或使用的群主数' },
  { title: '新增用户', hint: '每日首次登录的群主数' },
  { title: '活跃群组（按星级）', hint: '每日活跃群组的星级分布' },
  { title: '机器人使用', hint: '分配 / 展示 / 激活 / 空余位置' },
  { title: '收入与提现', hint: '每日入账收入与提现打款金额', wide: true },
]

export default function Dashboard() {
  return (
    <>
      <div className="page-head">
        <h1>仪表盘</h1>
        <p className="muted">平台每日运营数据（近 30 天）</p>
      </div>
      <div className="chart-grid">
        {CHARTS.map(({ title, hint, wide }) => (
          <section key={title} className={wide ? 'chart-card wide' : 'chart-card'}>
            <header>
              <h2>{title}</h2>
              <span className="muted">{hint}</span>
            </header>
            <div className="chart-empty">暂无数据</div>
          </section>
        ))}
      </div>
    </>
  )
}
