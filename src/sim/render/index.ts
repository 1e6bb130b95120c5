/**
 * The renderers: pure functions that print simulator state the way iproute2 6.x and iptables
 * 1.8.9 (nf_tables) print the same state on a real node, so the learner's shell and the kernel
 * comparison tests see the same text.
 */
export { type BridgeFdbFilter, renderBridgeFdb } from "./bridge-fdb";
export {
  type IpAddrOptions,
  type IpLinkOptions,
  kernelAddressOrder,
  renderIpAddr,
  renderIpLink,
} from "./ip-addr";
export { type IpNeighOptions, renderIpNeigh } from "./ip-neigh";
export {
  protoName as routeProtoName,
  type RouteFilter,
  renderIpRoute,
  routeLine,
} from "./ip-route";
export {
  type IptablesSaveOptions,
  probabilityText,
  protocolName,
  renderIptablesRules,
  renderIptablesSave,
  renderRule,
  tableInUse,
} from "./iptables-save";
