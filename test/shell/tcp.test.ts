import { describe, expect, it } from "vitest";
import { formatIpv4 } from "../../src/sim/ipv4";
import { replaced, shellOn } from "./helpers";

/** services-iptables with a second Service whose selector matches no pod. */
const withEmptyService = (text: string): string =>
  text.concat(
    "  - name: empty\n    clusterIP: 10.96.0.81\n    selector: {app: nothing}\n    ports: [{port: 80, targetPort: 8080}]\n",
  );

/** services-iptables with pod-a labelled app=web too: two endpoints. */
const twoEndpoints = (text: string): string =>
  replaced(
    text,
    "  - name: pod-a\n    node: node1\n",
    "  - name: pod-a\n    node: node1\n    labels: {app: web}\n",
  );

describe("curl to a Service", () => {
  it("in iptables mode reaches the endpoint, translated to its pod address and target port", () => {
    const { shell } = shellOn("services-iptables");
    expect(shell.run("curl http://10.96.0.80/")).toEqual({
      output: "Hello from pod-b (10.244.2.2:8080)\n",
      ok: true,
      changed: false,
    });
    expect(shell.run("curl 10.96.0.80:80/healthz").output).toBe(
      "Hello from pod-b (10.244.2.2:8080)\n",
    );
  });

  it("leaves a connection whose reply tuple shows the DNAT, listed by conntrack -L", () => {
    const { shell } = shellOn("services-iptables");
    shell.run("curl http://10.96.0.80/");
    const listed = shell.run("conntrack -L -p tcp");
    expect(listed.ok).toBe(true);
    expect(listed.output).toMatch(
      /^tcp {6}6 60 SYN_RECV src=192\.168\.1\.11 dst=10\.96\.0\.80 sport=(\d+) dport=80 src=10\.244\.2\.2 dst=10\.244\.1\.0 sport=8080 dport=\1 mark=0 use=1\n/,
    );
    expect(listed.output).toMatch(/: 1 flow entries have been shown\.\n$/);
  });

  it("keeps the count on stderr when conntrack -L is piped into grep", () => {
    const { shell } = shellOn("services-iptables");
    shell.run("curl http://10.96.0.80/");
    const all = shell.run("conntrack -L").output;
    const grepped = shell.run("conntrack -L | grep 8472").output;
    expect(all).toContain("dport=8472");
    expect(grepped).not.toContain("tcp ");
    expect(grepped).toContain("dport=8472");
    expect(grepped).toMatch(/3 flow entries have been shown\.\n$/);
  });

  it("empties this namespace's connections with conntrack -F, as conntrack says", () => {
    const { shell } = shellOn("services-iptables");
    shell.run("curl http://10.96.0.80/");
    expect(shell.run("conntrack -F")).toEqual({
      output: "conntrack v1.4.7 (conntrack-tools): connection tracking table has been emptied.\n",
      ok: true,
      changed: false,
    });
    expect(shell.run("conntrack -L").output).toMatch(/: 0 flow entries have been shown\.\n$/);
    // node2's are still there.
    expect(shell.run("ssh node2 conntrack -L").output).toMatch(/sport=8080/);
  });

  it("says nothing about connections before any probe was sent", () => {
    const { shell } = shellOn("services-iptables");
    expect(shell.run("conntrack -L").output).toBe(
      "conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n",
    );
  });

  it("to a ClusterIP with no endpoint is refused (kube-proxy's REJECT)", () => {
    const { shell } = shellOn("services-iptables", "node1", withEmptyService);
    expect(shell.run("curl http://10.96.0.81/")).toEqual({
      output: "curl: (7) Failed to connect to 10.96.0.81 port 80 after 0 ms: Connection refused\n",
      ok: false,
      changed: false,
    });
    expect(shell.run("nc -zv 10.96.0.81 80")).toEqual({
      output: "nc: connect to 10.96.0.81 port 80 (tcp) failed: Connection refused\n",
      ok: false,
      changed: false,
    });
    expect(shell.run("curl -s 10.96.0.81").output).toBe("");
    expect(shell.run("curl -sS 10.96.0.81").output).toContain("Connection refused");
  });

  it("times out when the SYN is dropped on the way, as curl and nc say it", () => {
    const { shell } = shellOn("services-iptables");
    shell.run("ssh node2");
    expect(shell.run("iptables -I FORWARD -p tcp --dport 8080 -j DROP").changed).toBe(true);
    shell.run("exit");
    expect(shell.run("curl -m 5 http://10.96.0.80/")).toEqual({
      output: "curl: (28) Connection timed out after 5001 milliseconds\n",
      ok: false,
      changed: false,
    });
    expect(shell.run("curl http://10.96.0.80/").output).toBe(
      "curl: (28) Failed to connect to 10.96.0.80 port 80 after 129843 ms: Connection timed out\n",
    );
    expect(shell.run("nc -zv -w 2 10.96.0.80 80").output).toBe(
      "nc: connect to 10.96.0.80 port 80 (tcp) timed out: Operation now in progress\n",
    );
  });

  it("spreads new connections over the endpoints, the same way every time", () => {
    const answers = () => {
      const { shell } = shellOn("services-iptables", "node1", twoEndpoints);
      return Array.from({ length: 8 }, () => shell.run("curl -s 10.96.0.80").output);
    };
    const first = answers();
    expect(new Set(first)).toEqual(
      new Set(["Hello from pod-a (10.244.1.2:8080)\n", "Hello from pod-b (10.244.2.2:8080)\n"]),
    );
    expect(answers()).toEqual(first);
  });

  it("works through IPVS, nftables and Cilium's eBPF replacement", () => {
    for (const name of ["services-ipvs", "services-nftables"]) {
      const { shell } = shellOn(name);
      expect(shell.run("curl 10.96.0.80").output).toBe("Hello from pod-b (10.244.2.2:8080)\n");
    }
    const { shell, plan } = shellOn("services-ebpf");
    const podB = plan.pods.find((p) => p.name === "pod-b");
    // The socket LB hands connect() pod-b's address: the SYN leaves pod-a addressed to it.
    expect(shell.run("kubectl exec pod-a -- curl -s 10.96.0.80").output).toBe(
      `Hello from pod-b (${podB ? formatIpv4(podB.ip) : "?"}:8080)\n`,
    );
    // The socket LB left its entries in Cilium's own conntrack map on node1.
    expect(shell.run("cilium-dbg bpf ct list global").output).toMatch(/^TCP OUT 10\.244\./m);
  });
});

describe("names and mistakes", () => {
  it("resolves a Service's name inside a pod, not on the node", () => {
    const { shell } = shellOn("services-iptables");
    expect(shell.run("curl web")).toEqual({
      output: "curl: (6) Could not resolve host: web\n",
      ok: false,
      changed: false,
    });
    expect(shell.run("kubectl exec -it pod-a -- curl -s http://web/").output).toBe(
      "Hello from pod-b (10.244.2.2:8080)\n",
    );
  });

  it("refuses what it does not model with a note, and curl's own usage errors", () => {
    const { shell } = shellOn("services-iptables");
    expect(shell.run("curl -v 10.96.0.80").output).toContain("curl -v is not modelled here");
    expect(shell.run("curl https://10.96.0.80/").output).toContain("https is not modelled");
    expect(shell.run("curl").output).toBe(
      "curl: no URL specified!\ncurl: try 'curl --help' or 'curl --manual' for more information\n",
    );
    expect(shell.run("curl ftp://10.96.0.80/").output).toBe(
      'curl: (1) Protocol "ftp" not supported or disabled in libcurl\n',
    );
    expect(shell.run("nc 10.96.0.80 80").output).toContain("use nc -zv HOST PORT");
  });
});

describe("nc -z", () => {
  it("reports success on stderr with -v, and nothing without", () => {
    const { shell } = shellOn("services-iptables");
    expect(shell.run("nc -zv 10.96.0.80 80")).toEqual({
      output: "Connection to 10.96.0.80 80 port [tcp/http] succeeded!\n",
      ok: true,
      changed: false,
    });
    expect(shell.run("nc -z 10.96.0.80 80")).toEqual({ output: "", ok: true, changed: false });
    expect(shell.run("nc -zv node2 22").output).toBe(
      "Connection to node2 (192.168.1.12) 22 port [tcp/ssh] succeeded!\n",
    );
    expect(shell.run("nc -zvn 10.244.2.2 8080").output).toBe(
      "Connection to 10.244.2.2 8080 port [tcp/*] succeeded!\n",
    );
  });
});
