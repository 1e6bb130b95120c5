import { describe, expect, it } from "vitest";
import { shellOn } from "./helpers";

describe("ping prints what iputils' ping prints", () => {
  it("three replies without -c, with the TTL left after the hops and the statistics", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.run("ping 10.244.2.2")).toEqual({
      output: [
        "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.",
        "64 bytes from 10.244.2.2: icmp_seq=1 ttl=63 time=0.512 ms",
        "64 bytes from 10.244.2.2: icmp_seq=2 ttl=63 time=0.431 ms",
        "64 bytes from 10.244.2.2: icmp_seq=3 ttl=63 time=0.447 ms",
        "",
        "--- 10.244.2.2 ping statistics ---",
        "3 packets transmitted, 3 received, 0% packet loss, time 2002ms",
        "rtt min/avg/max/mdev = 0.431/0.463/0.512/0.035 ms",
        "",
      ].join("\n"),
      ok: true,
      changed: false,
    });
  });

  it("from a pod, the reply has crossed two forwarding nodes (ttl 62)", () => {
    const { shell } = shellOn("flannel-vxlan", "pod-a");
    expect(shell.run("ping -c 1 10.244.2.2").output).toContain(
      "64 bytes from 10.244.2.2: icmp_seq=1 ttl=62 time=0.512 ms\n",
    );
  });

  it("a router with no route answers Destination Net Unreachable, counted as errors", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.run("ping -c 2 10.99.0.1")).toEqual({
      output: [
        "PING 10.99.0.1 (10.99.0.1) 56(84) bytes of data.",
        "From 192.168.1.1 icmp_seq=1 Destination Net Unreachable",
        "From 192.168.1.1 icmp_seq=2 Destination Net Unreachable",
        "",
        "--- 10.99.0.1 ping statistics ---",
        "2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1001ms",
        "",
        "",
      ].join("\n"),
      ok: false,
      changed: false,
    });
  });

  it("with no route at all, connect() fails and ping prints only that", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.run("ip route del default").changed).toBe(true);
    expect(shell.run("ping -c 2 10.99.0.1")).toEqual({
      output: "ping: connect: Network is unreachable\n",
      ok: false,
      changed: false,
    });
  });

  it("a request dropped silently (forwarding off on node2) gets no line, only the loss", () => {
    const { shell } = shellOn("flannel-vxlan");
    shell.run("ssh node2");
    shell.run("sysctl -w net.ipv4.ip_forward=0");
    shell.run("exit");
    expect(shell.run("ping 10.244.2.2").output).toBe(
      [
        "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.",
        "",
        "--- 10.244.2.2 ping statistics ---",
        "3 packets transmitted, 0 received, 100% packet loss, time 2002ms",
        "",
        "",
      ].join("\n"),
    );
  });

  it("an address nobody answers ARP for is Destination Host Unreachable from the sender", () => {
    const { shell } = shellOn("flannel-vxlan");
    const result = shell.run("ping -c 3 192.168.1.99");
    expect(result.output).toBe(
      [
        "PING 192.168.1.99 (192.168.1.99) 56(84) bytes of data.",
        "From 192.168.1.12 icmp_seq=1 Destination Host Unreachable",
        "From 192.168.1.12 icmp_seq=2 Destination Host Unreachable",
        "From 192.168.1.12 icmp_seq=3 Destination Host Unreachable",
        "",
        "--- 192.168.1.99 ping statistics ---",
        "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2002ms",
        "pipe 3",
        "",
      ].join("\n"),
    );
    expect(result.ok).toBe(false);
  });

  it("a DF packet larger than the route's MTU fails in the sender with the MTU", () => {
    const { shell } = shellOn("flannel-vxlan");
    const result = shell.run("ping -M do -s 1460 -c 2 10.244.2.2");
    expect(result.output).toBe(
      [
        "PING 10.244.2.2 (10.244.2.2) 1460(1488) bytes of data.",
        "ping: local error: message too long, mtu=1450",
        "ping: local error: message too long, mtu=1450",
        "",
        "--- 10.244.2.2 ping statistics ---",
        "2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1001ms",
        "",
        "",
      ].join("\n"),
    );
    // The same size without DF is fragmented and answered.
    expect(shell.run("ping -s 1460 -c 1 10.244.2.2").output).toContain(
      "1468 bytes from 10.244.2.2",
    );
  });

  it("names a node it resolves, and the replies too", () => {
    const { shell } = shellOn("flannel-vxlan");
    const output = shell.run("ping -c 1 node2").output;
    expect(output).toContain("PING node2 (192.168.1.13) 56(84) bytes of data.\n");
    expect(output).toContain("64 bytes from node2 (192.168.1.13): icmp_seq=1 ttl=64");
    expect(output).toContain("--- node2 ping statistics ---");
    expect(shell.run("ping -n -c 1 node2").output).toContain(
      "64 bytes from 192.168.1.13: icmp_seq=1 ttl=64",
    );
  });

  it("does not resolve pod names on a node; a pod resolves Services through cluster DNS", () => {
    const { shell } = shellOn("services-iptables");
    expect(shell.run("ping pod-b")).toEqual({
      output: "ping: pod-b: Name or service not known\n",
      ok: false,
      changed: false,
    });
    shell.run("kubectl exec -it pod-a -- sh");
    expect(shell.run("ping -c 1 web.default.svc.cluster.local").output).toContain(
      "PING web.default.svc.cluster.local (10.96.0.80) 56(84) bytes of data.",
    );
  });

  it("with -q prints only the header and the statistics", () => {
    const { shell } = shellOn("flannel-vxlan");
    const output = shell.run("ping -q -c 2 10.244.2.2").output;
    expect(output).not.toContain("bytes from");
    expect(output).toContain("2 packets transmitted, 2 received, 0% packet loss");
  });

  it("refuses bad options with iputils' messages", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.run("ping -c 0 10.244.2.2").output).toBe(
      "ping: invalid argument: '0': out of range: 1 <= value <= 9223372036854775807\n",
    );
    expect(shell.run("ping -M maybe 10.244.2.2").output).toBe("ping: invalid -M argument: maybe\n");
    expect(shell.run("ping -s 70000 10.244.2.2").output).toBe(
      "ping: packet size 70000 is too large. Maximum is 65507\n",
    );
    expect(shell.run("ping").output).toBe("ping: usage error: Destination address required\n");
    expect(shell.run("ping -f 10.244.2.2").ok).toBe(false);
  });

  it("leaves its connection in conntrack, from flannel.1's address (the route's source)", () => {
    const { shell } = shellOn("flannel-vxlan");
    shell.run("ping -c 1 10.244.2.2");
    const listed = shell.run("conntrack -L -p icmp");
    expect(listed.output).toMatch(
      /^icmp {5}1 30 src=10\.244\.1\.0 dst=10\.244\.2\.2 type=8 code=0 id=\d+ src=10\.244\.2\.2 dst=10\.244\.1\.0 type=0 code=0 id=\d+ mark=0 use=1\n/,
    );
    expect(listed.output).toMatch(
      /conntrack v1\.4\.7 \(conntrack-tools\): 1 flow entries have been shown\.\n$/,
    );
  });
});
