// The generated families, one namespace each. Written by `npm run gen`; do not edit.
export * as ethtool from './ethtool.js';
export * as mptcpPm from './mptcp_pm.js';
export * as netdev from './netdev.js';
export * as nlctrl from './nlctrl.js';
export * as rtAddr from './rt-addr.js';
export * as rtLink from './rt-link.js';
export * as rtNeigh from './rt-neigh.js';
export * as rtRoute from './rt-route.js';
export * as rtRule from './rt-rule.js';
export * as tcpMetrics from './tcp_metrics.js';
