/**
 * The cluster file: a few lines that describe a Kubernetes cluster's network, from which the CNI
 * installers build every node's Linux state. YAML, validated by this schema; every field a
 * learner or author writes is documented here and in docs/cluster-files.md.
 */
import { z } from "zod";

const name = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/,
    "a name of 1-15 lower-case letters, digits or '-' (it becomes a namespace and an interface name)",
  );

const port = z.number().int().min(1).max(65535);

export const flannelSchema = z.strictObject({
  plugin: z.literal("flannel"),
  /** net-conf.json `Network`. */
  network: z.string().default("10.244.0.0/16"),
  /** net-conf.json `SubnetLen`: the prefix each node leases. */
  subnetLen: z.number().int().min(8).max(30).default(24),
  backend: z
    .strictObject({
      type: z.enum(["vxlan", "host-gw"]).default("vxlan"),
      vni: z.number().int().min(1).max(16777215).default(1),
      port: port.default(8472),
      /** vxlan only: host-gw routes to nodes on the same subnet. */
      directRouting: z.boolean().default(false),
    })
    .default({ type: "vxlan", vni: 1, port: 8472, directRouting: false }),
});

const encapMode = z.enum(["Always", "CrossSubnet", "Never"]);

export const calicoSchema = z.strictObject({
  plugin: z.literal("calico"),
  /** The default IPPool. */
  ipPool: z
    .strictObject({
      cidr: z.string().default("192.168.0.0/16"),
      blockSize: z.number().int().min(20).max(32).default(26),
      ipipMode: encapMode.default("Never"),
      vxlanMode: encapMode.default("Never"),
    })
    .default({ cidr: "192.168.0.0/16", blockSize: 26, ipipMode: "Never", vxlanMode: "Never" }),
});

/** Weave Net (weaveworks/weave, archived: the project is no longer maintained). */
export const weaveSchema = z.strictObject({
  plugin: z.literal("weave"),
  /** IPALLOC_RANGE: one subnet for every pod in the cluster. */
  ipallocRange: z.string().default("10.32.0.0/12"),
  /**
   * WEAVE_MTU. Unset, weave picks 1376 for the fast datapath and 65535 for sleeve (net/bridge.go);
   * `weaveMtu` (cni/weave.ts) resolves it.
   */
  mtu: z.number().int().min(576).max(8912).optional(),
  /**
   * How the router carries pod frames between nodes: `fastdp`, the kernel's Open vSwitch datapath
   * with VXLAN on UDP 6784, or `sleeve`, the router's own user-space encapsulation in UDP 6783,
   * which weave falls back to when the fast datapath is unavailable or disabled (WEAVE_NO_FASTDP)
   * and which older releases used whenever traffic was encrypted (site/using-weave/fastdp.md; later
   * ones encrypt the fast datapath with IPsec, site/tasks/manage/fastdp.md).
   */
  mode: z.enum(["fastdp", "sleeve"]).default("fastdp"),
});

/**
 * Cilium with cluster-pool IPAM (the Helm values of the same names; cilium-agent flags
 * routing-mode, tunnel-protocol, auto-direct-node-routes, ipv4-native-routing-cidr,
 * cluster-pool-ipv4-cidr, cluster-pool-ipv4-mask-size).
 */
export const ciliumSchema = z.strictObject({
  plugin: z.literal("cilium"),
  /** tunnel: every pod packet between nodes is encapsulated; native: the network routes pod CIDRs. */
  routingMode: z.enum(["tunnel", "native"]).default("tunnel"),
  /** Tunnel mode only: VXLAN on UDP 8472 (cilium_vxlan) or Geneve on UDP 6081 (cilium_geneve). */
  tunnelProtocol: z.enum(["vxlan", "geneve"]).default("vxlan"),
  /** Native routing: a route to each other node's pod CIDR via that node, for nodes on the same subnet. */
  autoDirectNodeRoutes: z.boolean().default(false),
  /** The CIDR the network routes natively (not masqueraded); required in native routing. */
  ipv4NativeRoutingCIDR: z.string().optional(),
  /** The operator hands each node a /clusterPoolIPv4MaskSize from these, in order. */
  clusterPoolIPv4PodCIDRList: z.array(z.string()).min(1).default(["10.0.0.0/8"]),
  clusterPoolIPv4MaskSize: z.number().int().min(8).max(30).default(24),
  /**
   * The kube-proxy replacement's socket-level load balancing (Helm socketLB.*; agent flags
   * bpf-lb-sock, bpf-lb-sock-hostns-only). kubeProxy.mode ebpf only: the replacement turns it on,
   * so `enabled: false` is refused; `hostNamespaceOnly: true` keeps it for the nodes' own sockets
   * and balances pods' traffic per packet in bpf_lxc instead.
   */
  socketLB: z
    .strictObject({
      enabled: z.boolean().optional(),
      hostNamespaceOnly: z.boolean().default(false),
    })
    .optional(),
});

export const cniSchema = z.discriminatedUnion("plugin", [
  flannelSchema,
  calicoSchema,
  weaveSchema,
  ciliumSchema,
]);

/** A label key or value as a selector uses it (the common case; prefixes are not checked). */
const label = z
  .string()
  .regex(/^[A-Za-z0-9]([-A-Za-z0-9_./]{0,251}[A-Za-z0-9])?$/, "a label key or value");

/** One port of a Service (core/v1 ServicePort). */
export const servicePortSchema = z.strictObject({
  /** Required when the Service has several ports; part of kube-proxy's chain names. */
  name: z
    .string()
    .regex(
      /^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/,
      "a port name of 1-15 lower-case letters, digits or '-'",
    )
    .optional(),
  port,
  /** The pods' port (default: `port`). */
  targetPort: port.optional(),
  protocol: z.enum(["TCP", "UDP"]).default("TCP"),
  /** NodePort Services: the port on every node (default: one picked from 30000-32767). */
  nodePort: z.number().int().min(30000).max(32767).optional(),
});

/** A Service (core/v1), with the fields that change a packet's path. */
export const serviceSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
      "a Service name (a DNS label: lower-case letters, digits, '-')",
    ),
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a namespace name (a DNS label)")
    .default("default"),
  type: z.enum(["ClusterIP", "NodePort"]).default("ClusterIP"),
  /** Default: an address the API server would pick from kubeProxy.serviceCIDR. */
  clusterIP: z.string().optional(),
  ports: z.array(servicePortSchema).min(1),
  /** Pods whose labels include all of these are the endpoints. */
  selector: z.record(label, label).optional(),
  /** Instead of a selector: the endpoint pods by name (a Service without selector and its EndpointSlice). */
  endpoints: z.array(name).optional(),
  sessionAffinity: z.enum(["None", "ClientIP"]).default("None"),
  /** NodePort only: Local keeps external traffic on nodes with an endpoint, and its source address. */
  externalTrafficPolicy: z.enum(["Cluster", "Local"]).default("Cluster"),
  /** Local: traffic from pods goes only to endpoints on their own node. */
  internalTrafficPolicy: z.enum(["Cluster", "Local"]).default("Cluster"),
});

/** The Service proxy on every node: kube-proxy in one of its modes, or Cilium's eBPF replacement. */
export const kubeProxySchema = z.strictObject({
  mode: z.enum(["iptables", "ipvs", "nftables", "ebpf"]).default("iptables"),
  /** IPVS mode's scheduler (--ipvs-scheduler). */
  scheduler: z.enum(["rr", "wrr", "lc", "wlc", "sh", "dh", "sed", "nq"]).default("rr"),
  /** The API server's --service-cluster-ip-range. */
  serviceCIDR: z.string().default("10.96.0.0/12"),
  /** --cluster-cidr: traffic from outside it is masqueraded (default: the pod network). */
  clusterCIDR: z.string().optional(),
});

export const clusterSchema = z.strictObject({
  formatVersion: z.literal(1),
  /** A title for the cluster, shown by tools. */
  name: z.string().optional(),
  underlay: z.strictObject({
    /** MTU of every node's eth0 (and the switches and router). */
    mtu: z.number().int().min(576).max(9000).default(1500),
    /** Node subnets, each one switched segment; a router joins them (it knows no pod CIDR). */
    subnets: z
      .array(
        z.strictObject({
          cidr: z.string(),
          /** The router's address on this subnet (default: the first address). */
          gateway: z.string().optional(),
        }),
      )
      .min(1),
  }),
  cni: cniSchema,
  nodes: z
    .array(
      z.strictObject({
        name,
        ip: z.string(),
        /** Flannel only: the node's lease (default: the next free one, in node order). */
        podCIDR: z.string().optional(),
      }),
    )
    .min(1),
  pods: z
    .array(
      z.strictObject({
        name,
        node: name,
        /** Default: the next address the plugin's IPAM would hand out on that node. */
        ip: z.string().optional(),
        /** Labels a Service's selector picks the pod by. */
        labels: z.record(label, label).optional(),
      }),
    )
    .default([]),
  /** The Service proxy; default kube-proxy in iptables mode when there are Services. */
  kubeProxy: kubeProxySchema.optional(),
  services: z.array(serviceSchema).default([]),
});

export type ClusterFile = z.infer<typeof clusterSchema>;
export type FlannelConfig = z.infer<typeof flannelSchema>;
export type CalicoConfig = z.infer<typeof calicoSchema>;
export type WeaveConfig = z.infer<typeof weaveSchema>;
export type CiliumConfig = z.infer<typeof ciliumSchema>;
export type ServiceSpec = z.infer<typeof serviceSchema>;
export type KubeProxyConfig = z.infer<typeof kubeProxySchema>;
export type KubeProxyMode = KubeProxyConfig["mode"];
