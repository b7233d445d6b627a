// The H5 app's line icons, drawn in the shared 24x24 frame.
import { Icon } from '@gpet/common/icon'

export const PawIcon = ({ size }: { size?: number }) => (
  <Icon size={size}>
    <ellipse cx="12" cy="15.5" rx="4.5" ry="3.8" />
    <circle cx="6" cy="10" r="1.8" />
    <circle cx="9.5" cy="6.5" r="1.8" />
    <circle cx="14.5" cy="6.5" r="1.8" />
    <circle cx="18" cy="10" r="1.8" />
  </Icon>
)

export const GroupIcon = () => (
  <Icon>
    <circle cx="9" cy="8" r="3.2" />
    <path d="M3 19c0-3.3 2.7-5.5 6-5.5s6 2.2 6 5.5" />
    <path d="M15.5 5.2a3 3 0 0 1 0 5.6M17.5 13.8c2 .6 3.5 2.4 3.5 5.2" />
  </Icon>
)

export const WalletIcon = () => (
  <Icon>
    <rect x="3" y="6" width="18" height="13" rx="2.5" />
    <path d="M3 10h18M16 14.5h2" />
    <path d="M6 6l9-3 1.5 3" />
  </Icon>
)

export const GiftIcon = () => (
  <Icon>
    <rect x="3.5" y="9" width="17" height="11" rx="2" />
    <path d="M2.5 9h19M12 9v11" />
    <path d="M12 9c-1.5-3.5-5.5-4-5.5-1.5S9.5 9 12 9c2.5 0 5.5-.5 5.5-1.5S13.5 5.5 12 9z" />
  </Icon>
)

export const ToolIcon = ({ size }: { size?: number }) => (
  <Icon size={size}>
    <path d="M14.5 6.5a4 4 0 0 0 5 5l-8.8 8.8a2.1 2.1 0 0 1-3-3l8.8-8.8z" />
    <path d="M14.5 6.5 17 4l3 3-2.5 2.5" />
  </Icon>
)

export const AlertIcon = ({ size }: { size?: number }) => (
  <Icon size={size}>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 7.5v5.5M12 16.3v.2" />
  </Icon>
)

export const PhoneIcon = ({ size }: { size?: number }) => (
  <Icon size={size}>
    <rect x="6.5" y="2.5" width="11" height="19" rx="2.5" />
    <path d="M10.5 18.5h3" />
  </Icon>
)

export const SpeakerIcon = ({ size = 18 }: { size?: number }) => (
  <Icon size={size}>
    <path d="M4 9.5v5h3.5L13 19V5L7.5 9.5z" />
    <path d="M16.5 9a4 4 0 0 1 0 6M19 6.5a7.5 7.5 0 0 1 0 11" />
  </Icon>
)

export const ChevronIcon = ({ size = 18 }: { size?: number }) => (
  <Icon size={size}>
    <path d="M9.5 6l6 6-6 6" />
  </Icon>
)

export const BackIcon = ({ size = 22 }: { size?: number }) => (
  <Icon size={size}>
    <path d="M14.5 6l-6 6 6 6" />
  </Icon>
)

export const CheckIcon = ({ size }: { size?: number }) => (
  <Icon size={size}>
    <circle cx="12" cy="12" r="9" />
    <path d="M8 12.3l2.7 2.7L16 9.7" />
  </Icon>
)

export const RobotIcon = ({ size }: { size?: number }) => (
  <Icon size={size}>
    <rect x="4" y="8" width="16" height="11" rx="3" />
    <path d="M12 8V4.5M12 4.5h.01M2 12.5v3M22 12.5v3" />
    <circle cx="9" cy="13.5" r="1.2" />
    <circle cx="15" cy="13.5" r="1.2" />
  </Icon>
)

export const KeyIcon = ({ size }: { size?: number }) => (
  <Icon size={size}>
    <path d="M4 5.5h16v10H10l-4 3.5v-3.5H4z" />
    <path d="M8 9.5h8M8 12.5h5" />
  </Icon>
)

export const MegaphoneIcon = ({ size }: { size?: number }) => (
  <Icon size={size}>
    <path d="M3.5 10v4h3l8 4.5v-13L6.5 10z" />
    <path d="M7 14l1.5 5.5h2.5L10 15.5" />
    <path d="M18 9.5a3.5 3.5 0 0 1 0 5" />
  </Icon>
)
