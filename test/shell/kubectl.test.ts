import { describe, expect, it } from "vitest";
import { tabwriter } from "../../src/shell/kubectl";
import { shellOn } from "./helpers";

/** services-iptables with four more pods behind `web`: more endpoints than kubectl lists. */
const fiveEndpoints = (text: string): string =>
  text.replace(
    "kubeProxy:",
    `${[1, 2, 3, 4]
      .map((i) => `  - {name: web-${i}, node: node${1 + (i % 2)}, labels: {app: web}}`)
      .join("\n")}\nkubeProxy:`,
  );

describe("kubectl get, from the cluster plan in kubectl's columns", () => {
  it("pods -o wide: IPs and nodes", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.run("kubectl get pods -o wide")).toEqual({
      output: [
        "NAME    READY   STATUS    RESTARTS   AGE   IP           NODE    NOMINATED NODE   READINESS GATES",
        "pod-a   1/1     Running   0          3d    10.244.1.2   node1   <none>           <none>",
        "pod-b   1/1     Running   0          3d    10.244.2.2   node2   <none>           <none>",
        "",
      ].join("\n"),
      ok: true,
      changed: false,
    });
    expect(shell.run("kubectl get po -owide").output).toBe(
      shell.run("kubectl get pods -o wide").output,
    );
  });

  it("nodes -o wide: internal IPs", () => {
    const { shell } = shellOn("flannel-vxlan");
    const lines = shell.run("kubectl get nodes -o wide").output.split("\n");
    expect(lines[0]).toBe(
      "NAME    STATUS   ROLES    AGE   VERSION   INTERNAL-IP    EXTERNAL-IP   OS-IMAGE             KERNEL-VERSION       CONTAINER-RUNTIME",
    );
    expect(lines[1]).toMatch(
      /^node1 {3}Ready {4}<none> {3}\d+d +v1\.\d+\.\d+ +192\.168\.1\.12 {3}<none> {8}/,
    );
    expect(lines[2]).toMatch(/^node2 .* 192\.168\.1\.13 /);
    expect(shell.run("kubectl get nodes").output.split("\n")[0]).toBe(
      "NAME    STATUS   ROLES    AGE   VERSION",
    );
  });

  it("services, with -A and -o wide", () => {
    const { shell } = shellOn("services-iptables");
    expect(shell.run("kubectl get svc").output).toBe(
      [
        "NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE",
        "web    ClusterIP   10.96.0.80   <none>        80/TCP    3d",
        "",
      ].join("\n"),
    );
    expect(shell.run("kubectl get services -A -o wide").output).toBe(
      [
        "NAMESPACE   NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE   SELECTOR",
        "default     web    ClusterIP   10.96.0.80   <none>        80/TCP    3d    app=web",
        "",
      ].join("\n"),
    );
  });

  it("a NodePort Service shows both ports", () => {
    const { shell } = shellOn("services-iptables", "node1", (t) =>
      t
        .replace("  - name: web\n", "  - name: web\n    type: NodePort\n")
        .replace("targetPort: 8080", "targetPort: 8080\n        nodePort: 30080"),
    );
    expect(shell.run("kubectl get svc web").output).toContain("80:30080/TCP");
  });

  it("endpoints (sorted) and endpointslices (in pod order) list three addresses at most", () => {
    const { shell } = shellOn("services-iptables", "node1", fiveEndpoints);
    expect(shell.run("kubectl get endpoints").output).toMatch(
      /^NAME +ENDPOINTS +AGE\nweb +10\.244\.1\.3:8080,10\.244\.1\.4:8080,10\.244\.2\.2:8080 \+ 2 more\.\.\. +3d\n$/,
    );
    expect(shell.run("kubectl get endpointslices").output).toMatch(
      /^NAME +ADDRESSTYPE +PORTS +ENDPOINTS +AGE\nweb-[bcdfghjklmnpqrstvwxz2456789]{5} +IPv4 +8080 +10\.244\.2\.2,10\.244\.2\.3,10\.244\.1\.3 \+ 2 more\.\.\. +3d\n$/,
    );
  });

  it("a Service without endpoints has <none>, and a placeholder slice", () => {
    const { shell } = shellOn("services-iptables", "node1", (t) =>
      t.replace("app: web\n    ports", "app: nothing\n    ports"),
    );
    expect(shell.run("kubectl get ep web").output).toMatch(
      /^NAME +ENDPOINTS +AGE\nweb +<none> +3d\n$/,
    );
    expect(shell.run("kubectl get endpointslices").output).toMatch(
      /\nweb-\w{5} +IPv4 +<unset> +<unset> +3d\n$/,
    );
  });

  it("picks pods by label, and names what it cannot find", () => {
    const { shell } = shellOn("services-iptables");
    expect(shell.run("kubectl get pods -l app=web").output).toMatch(/^NAME .*\npod-b +1\/1 /);
    expect(shell.run("kubectl get pods -l app=web").output).not.toContain("pod-a");
    expect(shell.run("kubectl get pod pod-z")).toEqual({
      output: 'Error from server (NotFound): pods "pod-z" not found\n',
      ok: false,
      changed: false,
    });
    expect(shell.run("kubectl get pods -n kube-system")).toEqual({
      output: "No resources found in kube-system namespace.\n",
      ok: true,
      changed: false,
    });
    expect(shell.run("kubectl get deployments").output).toBe(
      'error: the server doesn\'t have a resource type "deployments"\n',
    );
    expect(shell.run("kubectl describe pod pod-a").output).toContain(
      "kubectl describe is not modelled here",
    );
  });
});

describe("kubectl exec", () => {
  it("needs -- before the command, as current kubectl does", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.run("kubectl exec pod-a ip route").output).toContain(
      "exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead",
    );
    expect(shell.run("kubectl exec -it pod-x -- sh").output).toBe(
      'Error from server (NotFound): pods "pod-x" not found\n',
    );
  });

  it("reports a failed command's exit code after its output", () => {
    const { shell } = shellOn("flannel-vxlan");
    const result = shell.run("kubectl exec pod-a -- ip route add 10.9.0.0/24 via 1.2.3.4");
    expect(result).toEqual({
      output: "Error: Nexthop has invalid gateway.\ncommand terminated with exit code 1\n",
      ok: false,
      changed: false,
    });
  });

  it("runs sh -c with its pipe inside the pod", () => {
    const { shell } = shellOn("flannel-vxlan");
    expect(shell.run("kubectl exec pod-a -- sh -c 'ip route | grep default'").output).toBe(
      "default via 10.244.1.1 dev eth0 \n",
    );
    expect(shell.node).toBe("node1");
  });

  it("changes the pod when the command changes it", () => {
    const { shell } = shellOn("flannel-vxlan");
    const result = shell.run("kubectl exec pod-a -- ip link set eth0 mtu 1400");
    expect(result).toEqual({ output: "", ok: true, changed: true });
    expect(shell.run("kubectl exec pod-a -- ip link show eth0").output).toContain("mtu 1400");
  });
});

describe("kubectl's table layout", () => {
  it("pads every column but the last to its widest cell plus 3, at least 6", () => {
    expect(
      tabwriter([
        ["A", "LONGER-HEADER", "X"],
        ["a-long-cell", "b", "last-is-never-padded"],
      ]),
    ).toBe("A             LONGER-HEADER   X\na-long-cell   b               last-is-never-padded\n");
    expect(tabwriter([["ab", "c"]])).toBe("ab    c\n");
  });
});
