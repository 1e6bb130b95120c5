// kube-proxy in iptables mode on a two-node Flannel (vxlan) cluster: nat PREROUTING and OUTPUT
// jump to KUBE-SERVICES; one rule per Service port jumps to KUBE-SVC-…, which picks a
// KUBE-SEP-… (statistic random, 1/n then 1/(n-1) …, the last unconditional) that DNATs to
// <pod IP>:<targetPort>. The rules live on the client's node: translation happens before routing,
// conntrack undoes it on the reply. Services without endpoints are REJECTed in the filter table.
import { expand, picker, ping, type Scenario, type Script, tcp, type Variant } from "./common";
import { type FlannelCluster, flannelCluster } from "./flannel-cluster";

const FAMILY = "kube-proxy-dnat";
const PORTS = [80, 8080, 8081];

export interface Endpoint {
  ip: string;
  port: number;
}

export interface Service {
  name: string;
  clusterIp: string;
  port: number;
  /** nat chain names, derived from the service name like kube-proxy's hashes (16 chars) */
  svcChain: string;
}

/** A kube-proxy-like 16-character chain suffix (upper-case hex of a seeded draw). */
function chainHash(pick: ReturnType<typeof picker>): string {
  return pick.hex(16).toUpperCase();
}

/** `-N KUBE-SERVICES` and the PREROUTING / OUTPUT jumps on `node` (keys `N:hook:…`). */
export function kubeServicesHooks(s: Script, node: string): void {
  s.ipt(node, "-t nat -N KUBE-SERVICES");
  s.ipt(
    node,
    '-t nat -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    `${node}:hook:prerouting`,
  );
  s.ipt(
    node,
    '-t nat -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    `${node}:hook:output`,
  );
}

/** A ClusterIP Service's chains on `node`; `probabilities[i]` overrides kube-proxy's 1/(n-i). */
export function kubeService(
  s: Script,
  node: string,
  pick: ReturnType<typeof picker>,
  svc: Service,
  endpoints: Endpoint[],
  probabilities?: number[],
): void {
  s.ipt(node, `-t nat -N ${svc.svcChain}`);
  s.ipt(
    node,
    `-t nat -A KUBE-SERVICES -d ${svc.clusterIp}/32 -p tcp -m comment --comment "${svc.name} cluster IP" -m tcp --dport ${svc.port} -j ${svc.svcChain}`,
    `${node}:svc:${svc.name}`,
  );
  endpoints.forEach((ep, i) => {
    const sep = `KUBE-SEP-${chainHash(pick)}`;
    s.ipt(node, `-t nat -N ${sep}`);
    const left = endpoints.length - i;
    const p = probabilities?.[i] ?? (left > 1 ? 1 / left : undefined);
    const statistic =
      p === undefined ? "" : ` -m statistic --mode random --probability ${p.toFixed(11)}`;
    s.ipt(
      node,
      `-t nat -A ${svc.svcChain} -m comment --comment "${svc.name} -> ${ep.ip}:${ep.port}"${statistic} -j ${sep}`,
    );
    s.ipt(
      node,
      `-t nat -A ${sep} -p tcp -m tcp -j DNAT --to-destination ${ep.ip}:${ep.port}`,
      `${node}:sep:${i}`,
    );
  });
}

interface KP {
  c: FlannelCluster;
  svc: Service;
  pick: ReturnType<typeof picker>;
}

/** node1: pods pa, pa2; node2: pods pb, pc. No Service rules yet. */
function cluster(s: Script): KP {
  const c = flannelCluster(s, {
    seed: 61,
    backend: "vxlan",
    nodeSubnets: [0, 0],
    pods: { pa: 0, pa2: 0, pb: 1, pc: 1 },
  });
  const pick = picker(62);
  const svc: Service = {
    name: "default/web",
    clusterIp: `10.96.${pick.int(0, 255)}.${pick.int(1, 254)}`,
    port: 80,
    svcChain: `KUBE-SVC-${chainHash(pick)}`,
  };
  return { c, svc, pick };
}

/** The usual layout: rules on node1 (the client's node), one endpoint pod B:8080. */
function withService(s: Script): KP {
  const kp = cluster(s);
  kubeServicesHooks(s, "n1");
  kubeService(s, "n1", kp.pick, kp.svc, [{ ip: kp.c.pod("pb").ip, port: 8080 }]);
  return kp;
}

const toSvc = (k: KP, from = "pa") => tcp(k.c.pod(from).ns, k.svc.clusterIp, k.svc.port);
const fromNode1 = (k: KP) => tcp(k.c.node("n1").ns, k.svc.clusterIp, k.svc.port);

const withServiceVariants: Variant<KP>[] = [
  {
    fault: "clusterip-tcp-dnat-remote-pod",
    description:
      "Pod A connects to the ClusterIP on TCP 80: node1's PREROUTING DNATs it to pod B:8080 on node2, conntrack reverses it; connected.",
    probes: (k) => [toSvc(k)],
    listenPorts: PORTS,
  },
  {
    fault: "clusterip-ping",
    description:
      "The same ClusterIP pinged: no rule matches ICMP, the packet goes to the router, silent; TCP to it still connects.",
    probes: (k) => [ping(k.c.pod("pa").ns, k.svc.clusterIp), toSvc(k)],
    listenPorts: PORTS,
  },
  {
    fault: "clusterip-wrong-port",
    description:
      "TCP to the ClusterIP on 8080 (the target port, not the Service port): not translated, silent.",
    probes: (k) => [tcp(k.c.pod("pa").ns, k.svc.clusterIp, 8080)],
    listenPorts: PORTS,
  },
  {
    fault: "node-to-clusterip",
    description:
      "node1 itself connects to the ClusterIP: nat OUTPUT translates it, connected; from node2, which has no rules, the router answers Network is unreachable.",
    probes: (k) => [fromNode1(k), tcp(k.c.node("n2").ns, k.svc.clusterIp, k.svc.port)],
    listenPorts: PORTS,
  },
  {
    fault: "missing-prerouting-hook",
    description:
      "node1 lacks the PREROUTING jump to KUBE-SERVICES: pod A's connection is not translated and dies at the router (silent), while node1 itself (OUTPUT) still connects.",
    apply: (s) => s.remove("n1:hook:prerouting"),
    probes: (k) => [toSvc(k), fromNode1(k)],
    listenPorts: PORTS,
  },
  {
    fault: "missing-output-hook",
    description:
      "node1 lacks the OUTPUT jump: pod A still connects, node1's own connection goes untranslated to the router, which answers Network is unreachable.",
    apply: (s) => s.remove("n1:hook:output"),
    probes: (k) => [toSvc(k), fromNode1(k)],
    listenPorts: PORTS,
  },
  {
    fault: "endpoint-port-not-listening",
    description:
      "The endpoint's target port is 9090, where nothing listens in pod B: pod B answers with a RST, connection refused.",
    apply: (s) => s.edit("n1:sep:0", ":8080", ":9090"),
    probes: (k) => [toSvc(k)],
    listenPorts: PORTS,
  },
  {
    fault: "missing-endpoint-route",
    description:
      "The endpoint is a pod on a third node's /24 that node1 has no route for: the DNATed packet follows the default route to the router, timeout.",
    apply: (s, k) => s.edit("n1:sep:0", k.c.pod("pb").ip, "10.244.251.20"),
    probes: (k) => [toSvc(k)],
    listenPorts: PORTS,
  },
  {
    fault: "filter-target-port-drop",
    description:
      "node2 drops forwarded TCP to port 8080: the connection times out, while ping to pod B still works.",
    apply: (s) => s.ipt("n2", "-A FORWARD -p tcp -m tcp --dport 8080 -j DROP"),
    probes: (k) => [toSvc(k), ping(k.c.pod("pa").ns, k.c.pod("pb").ip)],
    listenPorts: PORTS,
  },
  {
    fault: "filter-service-port-drop-no-effect",
    description:
      "node1 and node2 drop forwarded TCP to the ClusterIP's port 80: after DNAT in PREROUTING the packet is already to pod B:8080, the rules never match, connected.",
    apply: (s, k) => {
      s.ipt("n1", `-A FORWARD -d ${k.svc.clusterIp}/32 -p tcp -m tcp --dport 80 -j DROP`);
      s.ipt("n2", "-A FORWARD -p tcp -m tcp --dport 80 -j DROP");
    },
    probes: (k) => [toSvc(k)],
    listenPorts: PORTS,
  },
  {
    fault: "endpoint-reply-drop",
    description:
      "Pod B drops its own TCP packets from source port 8080 in OUTPUT: the SYN arrives, the SYN-ACK never leaves, timeout.",
    apply: (s) => s.ipt("pb", "-A OUTPUT -p tcp -m tcp --sport 8080 -j DROP"),
    probes: (k) => [toSvc(k)],
    listenPorts: PORTS,
  },
  {
    fault: "missing-return-route",
    description:
      "node2 lacks its route back to node1's pod /24: pod B's SYN-ACK to pod A goes to the router, timeout.",
    apply: (s) => s.remove("n2:route:n1"),
    probes: (k) => [toSvc(k)],
    listenPorts: PORTS,
  },
  {
    fault: "snat-rescues-return-route",
    description:
      "node2 lacks its route back, but node1 SNATs the translated flow to its own eth0 address, which node2 reaches directly: connected.",
    apply: (s, k) => {
      s.remove("n2:route:n1");
      s.ipt(
        "n1",
        `-t nat -A POSTROUTING -d ${k.c.pod("pb").ip}/32 -p tcp -m tcp --dport 8080 -j SNAT --to-source ${k.c.node("n1").ip}`,
      );
    },
    probes: (k) => [toSvc(k)],
    listenPorts: PORTS,
  },
  {
    fault: "masquerade-no-rescue",
    description:
      "node2 lacks its route back and node1 MASQUERADEs the flow: MASQUERADE takes flannel.1's address (node1's pod /24 .0), still unroutable from node2, timeout.",
    apply: (s, k) => {
      s.remove("n2:route:n1");
      s.ipt("n1", `-t nat -A POSTROUTING -d ${k.c.pod("pb").ip}/32 -j MASQUERADE`);
    },
    probes: (k) => [toSvc(k)],
    listenPorts: PORTS,
  },
  {
    fault: "node-to-clusterip-mark-masquerade",
    description:
      "kube-proxy's KUBE-MARK-MASQ (MARK 0x4000) for sources outside the cluster CIDR plus a MASQUERADE out of flannel.1: node1's own connection is masqueraded and connects, pod A's too.",
    apply: (s, k) => {
      s.ipt("n1", "-t nat -N KUBE-MARK-MASQ");
      s.ipt("n1", "-t nat -A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000");
      s.ipt(
        "n1",
        `-t nat -I KUBE-SERVICES ! -s ${k.c.clusterCidr} -d ${k.svc.clusterIp}/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ`,
      );
      s.ipt("n1", `-t nat -A POSTROUTING ! -s ${k.c.clusterCidr} -o flannel.1 -j MASQUERADE`);
    },
    probes: (k) => [fromNode1(k), toSvc(k)],
    listenPorts: PORTS,
  },
];

/** Everything of withService, but built by hand per layout. */
const layouts: {
  fault: string;
  description: string;
  build: (s: Script) => KP;
  probes: (k: KP) => ReturnType<typeof tcp>[];
}[] = [
  {
    fault: "dnat-local-pod",
    description:
      "The only endpoint is pod A2 on the client's own node: DNAT in PREROUTING, then bridged delivery on cni0; connected.",
    build: (s) => {
      const k = cluster(s);
      kubeServicesHooks(s, "n1");
      kubeService(s, "n1", k.pick, k.svc, [{ ip: k.c.pod("pa2").ip, port: 8080 }]);
      return k;
    },
    probes: (k) => [toSvc(k)],
  },
  {
    fault: "rules-on-wrong-node",
    description:
      "The Service rules exist only on node2 (the endpoint's node), not on the client's node1: pod A's packet to the ClusterIP is routed untranslated to the router, timeout.",
    build: (s) => {
      const k = cluster(s);
      kubeServicesHooks(s, "n2");
      kubeService(s, "n2", k.pick, k.svc, [{ ip: k.c.pod("pb").ip, port: 8080 }]);
      return k;
    },
    probes: (k) => [toSvc(k)],
  },
  {
    fault: "statistic-two-endpoints-same-pod",
    description:
      "Two endpoints, pod B:8080 and pod B:8081, chosen by statistic random 0.5: whichever is picked, pod B accepts; connected every time.",
    build: (s) => {
      const k = cluster(s);
      kubeServicesHooks(s, "n1");
      kubeService(s, "n1", k.pick, k.svc, [
        { ip: k.c.pod("pb").ip, port: 8080 },
        { ip: k.c.pod("pb").ip, port: 8081 },
      ]);
      return k;
    },
    probes: (k) => [toSvc(k), toSvc(k, "pa2")],
  },
  {
    fault: "statistic-probability-one",
    description:
      "Three endpoints, the first (pod B) with probability 1.0: it always wins, the unreachable endpoints behind it are never used; connected.",
    build: (s) => {
      const k = cluster(s);
      kubeServicesHooks(s, "n1");
      kubeService(
        s,
        "n1",
        k.pick,
        k.svc,
        [
          { ip: k.c.pod("pb").ip, port: 8080 },
          { ip: "10.244.251.20", port: 8080 },
          { ip: "10.244.251.21", port: 8080 },
        ],
        [1, 0.5],
      );
      return k;
    },
    probes: (k) => [toSvc(k)],
  },
  {
    fault: "no-endpoints-reject",
    description:
      "A Service with no endpoints, as kube-proxy writes it: a filter-table KUBE-SERVICES rule REJECTs its ClusterIP:80 for NEW flows (FORWARD and OUTPUT); pod A and node1 are refused at once.",
    build: (s) => {
      const k = cluster(s);
      noEndpoints(s, k, "REJECT");
      return k;
    },
    probes: (k) => [toSvc(k), fromNode1(k)],
  },
  {
    fault: "no-endpoints-drop",
    description:
      "The same Service without endpoints but with DROP instead of REJECT: pod A's connection times out instead of being refused.",
    build: (s) => {
      const k = cluster(s);
      noEndpoints(s, k, "DROP");
      return k;
    },
    probes: (k) => [toSvc(k)],
  },
];

function noEndpoints(s: Script, k: KP, target: "REJECT" | "DROP"): void {
  s.ipt("n1", "-N KUBE-SERVICES");
  s.ipt(
    "n1",
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  );
  s.ipt(
    "n1",
    '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  );
  s.ipt(
    "n1",
    `-A KUBE-SERVICES -d ${k.svc.clusterIp}/32 -p tcp -m comment --comment "${k.svc.name} has no endpoints" -m tcp --dport 80 -j ${target}`,
  );
}

export function kubeProxy(prefix: string): Scenario[] {
  return [
    ...expand(prefix, FAMILY, "flannel-two-nodes", withService, withServiceVariants),
    ...layouts.flatMap((l) =>
      expand(prefix, FAMILY, "flannel-two-nodes", l.build, [
        { fault: l.fault, description: l.description, probes: l.probes, listenPorts: PORTS },
      ]),
    ),
  ];
}
