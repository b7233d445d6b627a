// The console's logo (menu icons come from @ant-design/icons).
export const Logo = ({ size = 28 }: { size?: number }) => (
  <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
    <rect width="32" height="32" rx="8" fill="#1677ff" />
    <g fill="#fff">
      <ellipse cx="16" cy="20.5" rx="6" ry="5" />
      <circle cx="9" cy="13.5" r="2.6" />
      <circle cx="13.5" cy="9.5" r="2.6" />
      <circle cx="18.5" cy="9.5" r="2.6" />
      <circle cx="23" cy="13.5" r="2.6" />
    </g>
  </svg>
)
