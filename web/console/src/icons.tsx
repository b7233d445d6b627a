// The console's line icons, drawn in the shared 24x24 frame, 18 px by default.
import type { ReactNode } from 'react'
import { Icon as BaseIcon } from '@gpet/common/icon'

const Icon = ({ children, size = 18 }: { children: ReactNode; size?: number }) => (
  <BaseIcon size={size}>{children}</BaseIcon>
)

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

export const DashboardIcon = () => (
  <Icon>
    <rect x="3" y="3" width="7.5" height="9" rx="1.5" />
    <rect x="13.5" y="3" width="7.5" height="5" rx="1.5" />
    <rect x="13.5" y="11" width="7.5" height="10" rx="1.5" />
    <rect x="3" y="15" width="7.5" height="6" rx="1.5" />
  </Icon>
)

export const UsersIcon = () => (
  <Icon>
    <circle cx="9" cy="8" r="3.2" />
    <path d="M3 19c0-3.3 2.7-5.5 6-5.5s6 2.2 6 5.5M15.5 5.2a3 3 0 0 1 0 5.6M17.5 13.8c2 .6 3.5 2.4 3.5 5.2" />
  </Icon>
)

export const RobotIcon = () => (
  <Icon>
    <rect x="4" y="8" width="16" height="11" rx="3" />
    <path d="M12 4v4M9 13v1M15 13v1M2 12.5v2M22 12.5v2" />
  </Icon>
)

export const ChatIcon = () => (
  <Icon>
    <path d="M4 5h16v11H9l-5 4z" />
    <path d="M8 9.5h8M8 12.5h5" />
  </Icon>
)

export const MoneyIcon = () => (
  <Icon>
    <circle cx="12" cy="12" r="9" />
    <path d="M8.5 7.5 12 11.5l3.5-4M8.5 12h7M8.5 15h7M12 11.5V18" />
  </Icon>
)

export const ContentIcon = () => (
  <Icon>
    <path d="M6 3h9l4 4v14H6z" />
    <path d="M14.5 3v4.5H19M9 12h7M9 16h5" />
  </Icon>
)

export const SettingsIcon = () => (
  <Icon>
    <circle cx="12" cy="12" r="3" />
    <path d="M12 2.5v3M12 18.5v3M2.5 12h3M18.5 12h3M5.3 5.3l2.1 2.1M16.6 16.6l2.1 2.1M5.3 18.7l2.1-2.1M16.6 7.4l2.1-2.1" />
  </Icon>
)

export const LogoutIcon = () => (
  <Icon size={16}>
    <path d="M10 4H5v16h5M15 8l4 4-4 4M19 12H9" />
  </Icon>
)

export const ShieldIcon = () => (
  <Icon>
    <path d="M12 3 4.5 6v5.5c0 4.6 3.2 8.2 7.5 9.5 4.3-1.3 7.5-4.9 7.5-9.5V6z" />
    <path d="M9 12.5h6" />
  </Icon>
)

export const MegaphoneIcon = () => (
  <Icon>
    <path d="M4 10v4h3l7 4V6l-7 4z" />
    <path d="M17.5 9.5a3.5 3.5 0 0 1 0 5M7 14l1.5 5h2.5l-1-4.5" />
  </Icon>
)

export const LinkIcon = () => (
  <Icon>
    <path d="M10 14a4 4 0 0 0 5.7 0l3.1-3.1a4 4 0 0 0-5.7-5.7L11.6 6.7" />
    <path d="M14 10a4 4 0 0 0-5.7 0l-3.1 3.1a4 4 0 0 0 5.7 5.7l1.5-1.5" />
  </Icon>
)

export const ToolIcon = () => (
  <Icon>
    <path d="M14.5 4.5a4.5 4.5 0 0 0-5.6 5.8L3.5 15.7a2 2 0 0 0 2.8 2.8l5.4-5.4a4.5 4.5 0 0 0 5.8-5.6l-2.7 2.7-2.3-.5-.5-2.3z" />
  </Icon>
)

export const ListIcon = () => (
  <Icon>
    <rect x="4" y="3" width="16" height="18" rx="2" />
    <path d="M8 8h8M8 12h8M8 16h5" />
  </Icon>
)

export const KeyIcon = () => (
  <Icon>
    <circle cx="8" cy="15" r="4" />
    <path d="m11 12 8.5-8.5M16.5 6.5l2.5 2.5M14 9l2 2" />
  </Icon>
)

export const ClockIcon = () => (
  <Icon>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 7v5l3.5 2" />
  </Icon>
)

export const SendIcon = () => (
  <Icon>
    <path d="M3.5 11.5 20.5 4l-5 16-4-6.5z" />
    <path d="m11.5 13.5 9-9.5" />
  </Icon>
)

export const InboxIcon = () => (
  <Icon>
    <path d="M4 13.5 6.5 5h11l2.5 8.5V19H4z" />
    <path d="M4 13.5h4.5l1 2h5l1-2H20" />
  </Icon>
)

export const CalendarIcon = () => (
  <Icon>
    <rect x="3.5" y="5" width="17" height="15" rx="2" />
    <path d="M3.5 10h17M8 3v4M16 3v4M8 14h3" />
  </Icon>
)

export const ScaleIcon = () => (
  <Icon>
    <path d="M12 4v16M7 20h10M5 7h14M12 4l-1 3h2z" />
    <path d="m5 7-3 6a3 3 0 0 0 6 0zM19 7l-3 6a3 3 0 0 0 6 0z" />
  </Icon>
)

export const CheckIcon = () => (
  <Icon>
    <path d="M12 3 4.5 6v5.5c0 4.5 3.2 8 7.5 9.5 4.3-1.5 7.5-5 7.5-9.5V6z" />
    <path d="m8.5 12 2.5 2.5 4.5-5" />
  </Icon>
)
