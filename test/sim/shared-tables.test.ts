import { describe, expect, test } from "vitest";
import type { Route } from "../../src/sim/model";
import { OverlayMap } from "../../src/sim/overlay-map";
import { seededRng } from "../../src/sim/rng";
import { RouteTable } from "../../src/sim/route-table";

describe("OverlayMap behaves as a Map that started with the base's visible entries", () => {
  for (const seed of [1, 2, 3, 4, 5])
    test(`random changes, seed ${seed}`, () => {
      const rng = seededRng(seed);
      const base = new Map<number, { v: string; owner: number }>();
      for (let k = 0; k < 12; k++) base.set(k * 3, { v: `b${k}`, owner: k % 4 });
      const me = 2;
      const overlay = new OverlayMap<number, string, { v: string; owner: number }>(base, (s) =>
        s.owner === me ? undefined : s.v,
      );
      const plain = new Map<number, string>();
      for (const [k, s] of base) if (s.owner !== me) plain.set(k, s.v);
      for (let step = 0; step < 300; step++) {
        const key = Math.floor(rng() * 40);
        const r = rng();
        if (r < 0.4) {
          overlay.set(key, `s${step}`);
          plain.set(key, `s${step}`);
        } else if (r < 0.8) expect(overlay.delete(key)).toBe(plain.delete(key));
        else if (r < 0.82) {
          overlay.clear();
          plain.clear();
        }
        expect(overlay.get(key)).toBe(plain.get(key));
        expect(overlay.has(key)).toBe(plain.has(key));
        expect([...overlay]).toEqual([...plain]);
        expect(overlay.size).toBe(plain.size);
      }
      // The base is never written through an overlay.
      expect(base.size).toBe(12);
    });
});

function route(dst: number, len: number, metric: number, gateway: number): Route {
  return {
    type: "unicast",
    dst,
    len,
    gateway,
    dev: "eth0",
    onlink: true,
    proto: "boot",
    scope: "global",
    src: null,
    metric,
  };
}

describe("RouteTable over a shared base behaves as a table of its own", () => {
  for (const seed of [7, 8, 9])
    test(`random changes, seed ${seed}`, () => {
      const rng = seededRng(seed);
      const base = new RouteTable();
      const owner = new Map<Route, number>();
      for (let k = 0; k < 10; k++) {
        const r = route(k << 8, 24, 0, 1000 + k);
        base.insert(r);
        owner.set(r, k % 3);
      }
      const hides = (r: Route) => owner.get(r) === 1;
      const rebind = { gateway: 77 };
      const shared = new RouteTable();
      shared.attachBase({
        table: base,
        hides,
        rebind,
        visible: base.all().filter((r) => !hides(r)).length,
      });
      const plain = new RouteTable();
      for (const r of base.all()) if (!hides(r)) plain.insert({ ...r, ...rebind });
      const snapshot = JSON.stringify(base.all());
      for (let step = 0; step < 300; step++) {
        const dst = Math.floor(rng() * 12) << 8;
        const len = rng() < 0.8 ? 24 : 16;
        const key = (dst & (len === 16 ? 0xffff0000 : 0xffffff00)) >>> 0;
        const r = rng();
        const existing = plain.exact(key, len);
        if (r < 0.35) {
          const added = route(key, len, Math.floor(rng() * 3), step);
          shared.insert(added);
          plain.insert(added);
        } else if (r < 0.7 && existing.length > 0) {
          const victim = existing[Math.floor(rng() * existing.length)] as Route;
          expect(shared.remove(victim)).toBe(plain.remove(victim));
        } else if (existing.length > 0) {
          const old = existing[0] as Route;
          const next = { ...old, gateway: step };
          shared.replaceAt(old, next);
          plain.replaceAt(old, next);
        }
        expect(JSON.stringify(shared.all())).toBe(JSON.stringify(plain.all()));
        expect(shared.size).toBe(plain.size);
        const probe = (Math.floor(rng() * 12) << 8) + 5;
        expect(shared.lookup(probe)).toEqual(plain.lookup(probe));
      }
      expect(JSON.stringify(base.all())).toBe(snapshot);
    });
});
