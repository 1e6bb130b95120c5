// Pins `ip addr`, `ip -4 addr`, `ip link` and `ip -d link` as iproute2 6.1 printed them on Linux
// 6.18 for the same state (kernel.test.ts compares with the kernel; the `-d` lines there differ
// only in running timers and veth's per-CPU queue count, normalised).
import { describe, expect, it } from "vitest";
import { parseIpv4 } from "../../../src/sim/ipv4";
import type { Address } from "../../../src/sim/model";
import { kernelAddressOrder, renderIpAddr, renderIpLink } from "../../../src/sim/render";
import { addressOrder, flannelNode, linkStates } from "./scenarios";
import { lines, Twin } from "./twin";

const GENERIC_VETH =
  "addrgenmode eui64 numtxqueues 2 numrxqueues 2 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 ";
const GENERIC_ONE_QUEUE =
  "addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 ";

describe("ip addr", () => {
  it("prints a Flannel node's devices without inet6 lines (the model is IPv4 only)", () => {
    const t = flannelNode(new Twin());
    expect(renderIpAddr(t.world, t.ns("node1"))).toBe(
      lines(
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000",
        "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
        "    inet 127.0.0.1/8 scope host lo",
        "       valid_lft forever preferred_lft forever",
        "2: eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000",
        "    link/ether 02:00:c0:a8:01:0c brd ff:ff:ff:ff:ff:ff link-netns sw",
        "    inet 192.168.1.12/24 scope global eth0",
        "       valid_lft forever preferred_lft forever",
        "3: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000",
        "    link/ether 02:00:0a:f4:01:01 brd ff:ff:ff:ff:ff:ff",
        "    inet 10.244.1.1/24 scope global cni0",
        "       valid_lft forever preferred_lft forever",
        "4: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN group default qlen 1000",
        "    link/ether 0a:58:0a:f4:01:00 brd ff:ff:ff:ff:ff:ff",
        "    inet 10.244.1.0/32 scope global flannel.1",
        "       valid_lft forever preferred_lft forever",
        "5: veth1a2b3c4d@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cni0 state UP group default qlen 1000",
        "    link/ether 02:00:0a:f4:01:fe brd ff:ff:ff:ff:ff:ff link-netns pod-a",
      ),
    );
  });

  it("prints `ip -4 addr` without link/ether lines, link-netns moved to the first line", () => {
    const t = flannelNode(new Twin());
    expect(renderIpAddr(t.world, t.ns("node1"), undefined, { inetOnly: true })).toBe(
      lines(
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000",
        "    inet 127.0.0.1/8 scope host lo",
        "       valid_lft forever preferred_lft forever",
        "2: eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000 link-netns sw",
        "    inet 192.168.1.12/24 scope global eth0",
        "       valid_lft forever preferred_lft forever",
        "3: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000",
        "    inet 10.244.1.1/24 scope global cni0",
        "       valid_lft forever preferred_lft forever",
        "4: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN group default qlen 1000",
        "    inet 10.244.1.0/32 scope global flannel.1",
        "       valid_lft forever preferred_lft forever",
      ),
    );
    expect(renderIpAddr(t.world, t.ns("node1"), "veth1a2b3c4d", { inetOnly: true })).toBe("");
  });

  it("orders addresses as the kernel does: host, link, global, secondaries last, with brd", () => {
    const t = addressOrder(new Twin());
    expect(renderIpAddr(t.world, t.ns("a"), "eth0")).toBe(
      lines(
        "3: eth0@p0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000",
        "    link/ether 02:00:00:00:0a:01 brd ff:ff:ff:ff:ff:ff",
        "    inet 10.2.0.1/32 scope host eth0",
        "       valid_lft forever preferred_lft forever",
        "    inet 127.0.0.5/8 scope host eth0",
        "       valid_lft forever preferred_lft forever",
        "    inet 169.254.3.3/16 scope link eth0",
        "       valid_lft forever preferred_lft forever",
        "    inet 10.1.0.5/24 scope global eth0",
        "       valid_lft forever preferred_lft forever",
        "    inet 10.3.0.1/24 brd 10.3.0.77 scope global eth0",
        "       valid_lft forever preferred_lft forever",
        "    inet 10.4.0.1/31 scope global eth0",
        "       valid_lft forever preferred_lft forever",
        "    inet 10.1.0.7/16 scope global eth0",
        "       valid_lft forever preferred_lft forever",
        "    inet 10.5.0.1/24 scope global eth0",
        "       valid_lft forever preferred_lft forever",
        "    inet 10.1.0.6/24 brd 10.1.0.255 scope global secondary eth0",
        "       valid_lft forever preferred_lft forever",
      ),
    );
  });

  it("replays __inet_insert_ifa: a new primary goes after the last primary of equal or narrower scope", () => {
    const a = (ip: string, len: number, scope: Address["scope"]): Address => ({
      ip: parseIpv4(ip) as number,
      len,
      dev: "eth0",
      scope,
      broadcast: null,
    });
    const order = kernelAddressOrder([
      a("10.0.0.1", 24, "global"),
      a("10.0.0.2", 24, "global"),
      a("169.254.0.1", 16, "link"),
      a("10.1.0.1", 24, "global"),
    ]);
    expect(order.map((e) => `${e.address.len}:${e.address.ip >>> 24}:${e.secondary}`)).toEqual([
      "16:169:false",
      "24:10:false",
      "24:10:false",
      "24:10:true",
    ]);
  });
});

describe("ip link", () => {
  it("prints a Flannel node's links with mode DEFAULT, master and @ifN", () => {
    const t = flannelNode(new Twin());
    expect(renderIpLink(t.world, t.ns("node1"), { details: false })).toBe(
      lines(
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000",
        "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
        "2: eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:c0:a8:01:0c brd ff:ff:ff:ff:ff:ff link-netns sw",
        "3: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:0a:f4:01:01 brd ff:ff:ff:ff:ff:ff",
        "4: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000",
        "    link/ether 0a:58:0a:f4:01:00 brd ff:ff:ff:ff:ff:ff",
        "5: veth1a2b3c4d@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cni0 state UP mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:0a:f4:01:fe brd ff:ff:ff:ff:ff:ff link-netns pod-a",
      ),
    );
  });

  it("prints `ip -d link show flannel.1` exactly as RESULTS.md shows it", () => {
    const t = flannelNode(new Twin());
    expect(renderIpLink(t.world, t.ns("node1"), { details: true, dev: "flannel.1" })).toBe(
      lines(
        "4: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000",
        "    link/ether 0a:58:0a:f4:01:00 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 ",
        `    vxlan id 1 local 192.168.1.12 dev eth0 srcport 0 0 dstport 8472 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx ${GENERIC_ONE_QUEUE}`,
      ),
    );
  });

  it("prints lo's and a veth's details, and a bridge port's bridge_slave line", () => {
    const t = flannelNode(new Twin());
    const node1 = t.ns("node1");
    expect(renderIpLink(t.world, node1, { details: true, dev: "lo" })).toBe(
      lines(
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000",
        `    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 ${GENERIC_ONE_QUEUE}`,
      ),
    );
    expect(renderIpLink(t.world, node1, { details: true, dev: "eth0" })).toBe(
      lines(
        "2: eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:c0:a8:01:0c brd ff:ff:ff:ff:ff:ff link-netns sw promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 ",
        `    veth ${GENERIC_VETH}`,
      ),
    );
    expect(renderIpLink(t.world, node1, { details: true, dev: "veth1a2b3c4d" })).toBe(
      lines(
        "5: veth1a2b3c4d@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cni0 state UP mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:0a:f4:01:fe brd ff:ff:ff:ff:ff:ff link-netns pod-a promiscuity 1  allmulti 1 minmtu 68 maxmtu 65535 ",
        "    veth ",
        `    bridge_slave state forwarding priority 32 cost 2 hairpin off guard off root_block off fastleave off learning on flood on port_id 0x8001 port_no 0x1 designated_port 32769 designated_cost 0 designated_bridge 8000.2:0:a:f4:1:1 designated_root 8000.2:0:a:f4:1:1 hold_timer    0.00 message_age_timer    0.00 forward_delay_timer    0.00 topology_change_ack 0 config_pending 0 proxy_arp off proxy_arp_wifi off mcast_router 1 mcast_fast_leave off mcast_flood on bcast_flood on mcast_to_unicast off neigh_suppress off group_fwd_mask 0 group_fwd_mask_str 0x0 vlan_tunnel off isolated off locked off ${GENERIC_VETH}`,
      ),
    );
  });

  it("prints a default bridge's attributes, its id with unpadded MAC bytes", () => {
    const t = flannelNode(new Twin());
    expect(renderIpLink(t.world, t.ns("node1"), { details: true, dev: "cni0" })).toBe(
      lines(
        "3: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:0a:f4:01:01 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 ",
        `    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768 vlan_filtering 0 bridge_id 8000.2:0:a:f4:1:1 designated_root 8000.2:0:a:f4:1:1 root_port 0 root_path_cost 0 topology_change 0 topology_change_detected 0 hello_timer    0.00 tcn_timer    0.00 topology_change_timer    0.00 gc_timer  300.00 group_fwd_mask 0 group_address 01:80:c2:00:00:00 mcast_snooping 1 no_linklocal_learn 0 mcast_vlan_snooping 0 mcast_router 1 mcast_query_use_ifaddr 0 mcast_querier 0 mcast_hash_elasticity 16 mcast_hash_max 4096 mcast_last_member_count 2 mcast_startup_query_count 2 mcast_last_member_interval 100 mcast_membership_interval 26000 mcast_querier_interval 25500 mcast_query_interval 12500 mcast_query_response_interval 1000 mcast_startup_query_interval 3124 mcast_stats_enabled 0 mcast_igmp_version 2 mcast_mld_version 1 nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0 ${GENERIC_ONE_QUEUE}`,
      ),
    );
  });

  it("prints NO-CARRIER, M-DOWN, LOWERLAYERDOWN, qdisc noop and state DOWN where the kernel does", () => {
    const t = linkStates(new Twin());
    expect(renderIpLink(t.world, t.ns("l"), { details: false })).toBe(
      lines(
        "1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000",
        "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
        "2: v2@v1: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:00:00:01:02 brd ff:ff:ff:ff:ff:ff",
        "3: v1@v2: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:00:00:01:01 brd ff:ff:ff:ff:ff:ff",
        "4: w2@w1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:00:00:02:02 brd ff:ff:ff:ff:ff:ff",
        "5: w1@w2: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:00:00:02:01 brd ff:ff:ff:ff:ff:ff",
        "6: br0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:00:00:b0:00 brd ff:ff:ff:ff:ff:ff",
        "7: v4@v3: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:00:00:03:04 brd ff:ff:ff:ff:ff:ff",
        "8: v3@v4: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue master br0 state LOWERLAYERDOWN mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:00:00:03:03 brd ff:ff:ff:ff:ff:ff",
        "9: vx0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:00:00:42:00 brd ff:ff:ff:ff:ff:ff",
        "10: vx1: <BROADCAST,MULTICAST> mtu 1450 qdisc noop state DOWN mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:00:00:07:00 brd ff:ff:ff:ff:ff:ff",
        "11: x0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000",
        "    link/ether 02:00:00:00:0e:00 brd ff:ff:ff:ff:ff:ff link-netns other",
      ),
    );
  });

  it("prints a disabled bridge port, a vxlan without local or dev, and one with a remote", () => {
    const t = linkStates(new Twin());
    const text = renderIpLink(t.world, t.ns("l"), { details: true });
    expect(text).toContain("    bridge_slave state disabled priority 32 cost 2 ");
    expect(text).toContain(
      "    vxlan id 42 srcport 0 0 dstport 4789 ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 65536 tso_max_segs 65535 gro_max_size 65536 \n",
    );
    expect(text).toContain(
      "    vxlan id 7 remote 10.9.0.50 local 10.9.0.1 dev v1 srcport 0 0 dstport 8472 ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 ",
    );
    expect(text).toContain("gc_timer  300.00 ");
  });
});
