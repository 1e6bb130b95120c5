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
  /** WEAVE_MTU. */
  mtu: z.number().int().min(576).max(8912).default(1376),
  /** The fast datapath (kernel VXLAN on UDP 6784); sleeve, the user-space fallback, is not modelled yet. */
  mode: z.enum(["fastdp"]).default("fastdp"),
});

export const cniSchema = z.discriminatedUnion("plugin", [flannelSchema, calicoSchema, weaveSchema]);

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
        /** Flannel: the node's lease (default: the next free one, in node order). */
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
      }),
    )
    .default([]),
});

export type ClusterFile = z.infer<typeof clusterSchema>;
export type FlannelConfig = z.infer<typeof flannelSchema>;
export type CalicoConfig = z.infer<typeof calicoSchema>;
export type WeaveConfig = z.infer<typeof weaveSchema>;
