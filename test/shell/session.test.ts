import { describe, expect, it } from "vitest";
import { CLEAR_SCREEN, NodeShell } from "../../src/shell/session";
import { runShow } from "../../src/sim";
import { buildCluster, exampleCluster } from "../cni/helpers";
import { shellOn } from "./helpers";

describe("the node shell runs the simulator's tools where the prompt is", () => {
  it("prints ip route byte for byte as show does on that node", () => {
    const { shell, world } = shellOn("flannel-vxlan");
    const result = shell.run("ip route");
    expect(result.output).toBe(runShow(world, "node1", ["ip", "route"]).output);
    // iproute2 ends each route with a space; the route to node2's lease goes through flannel.1.
    expect(result.output).toContain("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink \n");
    expect(result).toMatchObject({ ok: true, changed: false });
  });

  it("refuses a route the kernel refuses, with its message, and changes nothing", () => {
    const { shell, world } = shellOn("flannel-vxlan");
    const before = runShow(world, "node1", ["ip", "route"]).output;
    const result = shell.run("ip route add 10.9.0.0/24 via 1.2.3.4");
    expect(result).toEqual({
      output: "Error: Nexthop has invalid gateway.\n",
      ok: false,
      changed: false,
    });
    expect(runShow(world, "node1", ["ip", "route"]).output).toBe(before);
  });

  it("marks a command that changes the node as changed", () => {
    const { shell, world } = shellOn("flannel-vxlan");
    const result = shell.run("ip route add 10.9.0.0/24 via 192.168.1.13");
    expect(result).toEqual({ output: "", ok: true, changed: true });
    expect(runShow(world, "node1", ["ip", "route"]).output).toContain(
      "10.9.0.0/24 via 192.168.1.13 dev eth0",
    );
    expect(shell.run("sysctl net.ipv4.ip_forward")).toEqual({
      output: "net.ipv4.ip_forward = 1\n",
      ok: true,
      changed: false,
    });
  });

  it("refuses to reach into another namespace with ip -n or ip netns", () => {
    const { shell } = shellOn("flannel-vxlan");
    for (const line of [
      "ip -n node2 route",
      "ip netns exec node2 ip route",
      "bridge -n node2 fdb",
    ]) {
      const result = shell.run(line);
      expect(result.ok).toBe(false);
      expect(result.output).toContain("this shell runs commands on node1 itself");
    }
  });
});

describe("moving between nodes and pods", () => {
  it("ssh moves the prompt, exit comes back, and history keeps every line", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.node).toBe("node1");
    expect(shell.run("ssh node2")).toEqual({ output: "", ok: true, changed: false });
    expect(shell.node).toBe("node2");
    expect(shell.run("hostname").output).toBe("node2\n");
    expect(shell.run("exit").output).toBe("logout\nConnection to node2 closed.\n");
    expect(shell.node).toBe("node1");
    shell.run("   ");
    expect(shell.history).toEqual(["ssh node2", "hostname", "exit"]);
  });

  it("says so when exit has no earlier shell to go back to", () => {
    const { shell } = shellOn("flannel-vxlan");
    const result = shell.run("exit");
    expect(result.ok).toBe(false);
    expect(result.output).toContain("no earlier one to go back to");
    expect(shell.node).toBe("node1");
  });

  it("resolves no host it does not know, as ssh says", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.run("ssh router")).toEqual({
      output: "ssh: Could not resolve hostname router: Name or service not known\n",
      ok: false,
      changed: false,
    });
    expect(shell.node).toBe("node1");
  });

  it("ssh NAME COMMAND runs the command there and stays here, pipes and all", () => {
    const { shell, world } = shellOn("flannel-vxlan");
    expect(shell.run("ssh node2 ip route").output).toBe(
      runShow(world, "node2", ["ip", "route"]).output,
    );
    expect(shell.run("ssh node2 'ip route | grep cni0'").output).toBe(
      "10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1 \n",
    );
    expect(shell.node).toBe("node1");
  });

  it("ssh takes a user, an address or a pod, and exit unwinds one shell at a time", () => {
    const { shell } = shellOn("flannel-vxlan");
    shell.run("ssh root@192.168.1.13");
    expect(shell.node).toBe("node2");
    shell.run("ssh pod-b");
    expect(shell.node).toBe("pod-b");
    expect(shell.run("exit").output).toBe("logout\nConnection to pod-b closed.\n");
    expect(shell.node).toBe("node2");
    shell.run("exit");
    expect(shell.node).toBe("node1");
    expect(shell.run("ssh 192.168.1.200").output).toBe(
      "ssh: connect to host 192.168.1.200 port 22: Connection refused\n",
    );
  });

  it("kubectl exec -it POD -- sh enters the pod; a command runs there once", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.run("kubectl exec -it pod-a -- ip route").output).toBe(
      "default via 10.244.1.1 dev eth0 \n10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.2 \n",
    );
    expect(shell.node).toBe("node1");
    shell.run("kubectl exec -it pod-a -- sh");
    expect(shell.node).toBe("pod-a");
    expect(shell.run("exit").output).toBe("");
    expect(shell.node).toBe("node1");
  });

  it("starts in a pod when given one, and refuses a name the cluster does not have", () => {
    const cluster = buildCluster(exampleCluster("flannel-vxlan"));
    const inPod = new NodeShell({ world: cluster.world, plan: cluster.plan, node: "pod-b" });
    expect(inPod.run("hostname").output).toBe("pod-b\n");
    expect(
      () => new NodeShell({ world: cluster.world, plan: cluster.plan, node: "node9" }),
    ).toThrow(/no node or pod named "node9"/);
  });
});

describe("a repair made in the shell", () => {
  it("breaking forwarding on node2 stops the ping, turning it back on makes it work again", () => {
    const { shell } = shellOn("flannel-vxlan");
    shell.run("ssh node2");
    expect(shell.run("sysctl -w net.ipv4.ip_forward=0")).toEqual({
      output: "net.ipv4.ip_forward = 0\n",
      ok: true,
      changed: true,
    });
    shell.run("exit");
    const broken = shell.run("ping -c 1 10.244.2.2");
    expect(broken.ok).toBe(false);
    expect(broken.output).toContain("1 packets transmitted, 0 received, 100% packet loss");
    shell.run("ssh node2");
    expect(shell.run("sysctl -w net.ipv4.ip_forward=1").changed).toBe(true);
    shell.run("exit");
    const fixed = shell.run("ping -c 1 10.244.2.2");
    expect(fixed.ok).toBe(true);
    expect(fixed.output).toContain("64 bytes from 10.244.2.2: icmp_seq=1 ttl=63");
  });
});

describe("what the shell itself answers", () => {
  it("says a command is not found the way bash does, and points at help", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.run("tcpdump -ni eth0")).toEqual({
      output:
        "bash: tcpdump: command not found\npodnet-learn: type help for the commands of this simulated node\n",
      ok: false,
      changed: false,
    });
  });

  it("says it the way busybox sh does inside a pod", () => {
    const { shell } = shellOn("flannel-vxlan", "pod-a");
    expect(shell.run("tcpdump").output).toMatch(/^sh: tcpdump: not found\n/);
    expect(shell.run("kubectl get pods").output).toMatch(/^sh: kubectl: not found\n/);
  });

  it("returns the terminal's clear sequence for clear", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.run("clear")).toEqual({ output: CLEAR_SCREEN, ok: true, changed: false });
  });

  it("lists every command in help on lines that fit 80 columns", () => {
    const { shell } = shellOn("flannel-vxlan");
    const help = shell.run("help").output;
    for (const command of ["ip route", "ping", "curl", "nc -zv", "conntrack -L", "kubectl get"])
      expect(help).toContain(command);
    expect(help).toContain("3 requests unless -c N");
    for (const line of help.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
  });
});
