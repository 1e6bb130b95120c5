import { Box, Text } from "ink";
import { useEffect, useRef, useState } from "react";
import type { Hop } from "../../sim";
import { useUi } from "../context";
import { useKeys } from "../hooks/use-keys";
import { TRACE_KEYS, TRACE_LIST_KEYS } from "../keys";
import { fitTo, padTo } from "../text";
import { headerRows, type Station, stationOfHop, stationsOf } from "../trace-model";
import { HelpOverlay } from "../widgets/help-overlay";
import { KeyFooter } from "../widgets/key-footer";

export interface TraceViewerProps {
  readonly hops: readonly Hop[];
  /** How each direction ended, in a few words (`delivered to pod-b`, `dropped in node2 (no-route)`). */
  readonly request: string;
  readonly reply: string;
  /** What was sent: `ping pod-a → pod-b`. */
  readonly title: string;
  readonly onClose: () => void;
  /** Start at this hop (default: the first). */
  readonly startAt?: number;
}

/** How long each hop stays on screen while playing: slow enough to read the strip move. */
const PLAY_MS = 450;

export function TraceViewer({
  hops,
  request,
  reply,
  title,
  onClose,
  startAt = 0,
}: TraceViewerProps) {
  const { t, symbols, columns, rows, ascii } = useUi();
  const last = Math.max(0, hops.length - 1);
  const [at, setAt] = useState(Math.min(startAt, last));
  const [playing, setPlaying] = useState(false);
  const [mode, setMode] = useState<"step" | "list" | "help">("step");
  const [cursor, setCursorState] = useState(at);
  // Enter may come before the render of the ↓ before it: it reads the cursor from here.
  const cursorNow = useRef(at);
  const setCursor = (next: number | ((c: number) => number)) => {
    cursorNow.current = typeof next === "function" ? next(cursorNow.current) : next;
    setCursorState(cursorNow.current);
  };
  const stations = stationsOf(hops);

  useEffect(() => {
    if (!playing) return;
    const timer = setInterval(() => {
      setAt((i) => {
        if (i >= last) {
          setPlaying(false);
          return i;
        }
        return i + 1;
      });
    }, PLAY_MS);
    return () => clearInterval(timer);
  }, [playing, last]);

  useKeys(
    TRACE_KEYS,
    (action) => {
      switch (action) {
        case "prev":
          setPlaying(false);
          setAt((i) => Math.max(0, i - 1));
          return;
        case "next":
          setPlaying(false);
          setAt((i) => Math.min(last, i + 1));
          return;
        case "first":
          setAt(0);
          return;
        case "last":
          setAt(last);
          return;
        case "play":
          setPlaying((p) => !p && at < last);
          if (at >= last) setAt(0);
          return;
        case "list":
          setPlaying(false);
          setCursor(at);
          setMode("list");
          return;
        case "help":
          setMode("help");
          return;
        case "back":
          onClose();
          return;
      }
    },
    mode === "step",
  );

  useKeys(
    TRACE_LIST_KEYS,
    (action) => {
      switch (action) {
        case "up":
          setCursor((c) => Math.max(0, c - 1));
          return;
        case "down":
          setCursor((c) => Math.min(last, c + 1));
          return;
        case "jump":
          setAt(cursorNow.current);
          setMode("step");
          return;
        case "list":
        case "back":
          setMode("step");
          return;
        case "help":
          setMode("help");
          return;
      }
    },
    mode === "list",
  );

  useKeys(
    TRACE_KEYS,
    (action) => {
      if (action === "help" || action === "back") setMode("step");
    },
    mode === "help",
  );

  if (mode === "help") return <HelpOverlay table={TRACE_KEYS} />;

  const width = Math.max(40, columns - 1);
  const hop = hops[at];

  if (mode === "list") {
    const room = Math.max(3, rows - 4);
    const first = Math.max(0, Math.min(cursor - Math.floor(room / 2), hops.length - room));
    return (
      <Box flexDirection="column" width={columns}>
        <Text bold>{fitTo(title, width)}</Text>
        {hops.slice(first, first + room).map((h, i) => {
          const n = first + i;
          const line = `${String(n + 1).padStart(3)} ${padTo(h.netns, 8)} ${padTo(h.dev ?? "", 12)} ${padTo(h.kind, 9)} ${h.text}`;
          return (
            <Text
              key={`${n}-${h.kind}`}
              inverse={n === cursor}
              color={h.kind === "drop" ? "red" : undefined}
              wrap="truncate-end"
            >
              {n === cursor ? symbols.pointer : " "}
              {fitTo(line, width - 1)}
            </Text>
          );
        })}
        <KeyFooter table={TRACE_LIST_KEYS} />
      </Box>
    );
  }

  const current = stationOfHop(stations, at);
  const headers = hop ? headerRows(hop, symbols.arrow) : [];
  const layerWidth = headers.some((h) => h.layer !== "") ? 6 : 0;
  return (
    <Box flexDirection="column" width={columns}>
      <Text bold>{fitTo(title, width)}</Text>
      <Text>
        {fitTo(
          `${t("traceRequest")}: ${request}  ${symbols.bullet}  ${t("traceReply")}: ${reply}`,
          width,
        )}
      </Text>
      <Strip stations={stations} current={current} width={width} ascii={ascii} />
      <Text> </Text>
      {hop ? (
        <>
          <Text>
            <Text bold>{t("traceHop", { n: at + 1, total: hops.length })}</Text>
            {`  ${hop.flow === "request" ? t("traceRequest") : t("traceReply")}  ${hop.netns}${hop.dev ? ` ${hop.dev}` : ""}  ${hop.kind}`}
            {playing ? <Text dimColor>{`  (${t("tracePlaying")})`}</Text> : null}
          </Text>
          <Box width={width}>
            <Text color={hop.kind === "drop" ? "red" : undefined} wrap="wrap">
              {hop.kind === "drop" ? `${symbols.fail} ${t("traceDropped")}: ` : ""}
              {hop.text}
            </Text>
          </Box>
          {hop.route ? <Text dimColor>{fitTo(`route: ${hop.route}`, width)}</Text> : null}
          {hop.rule ? (
            <Text dimColor>
              {fitTo(`${hop.rule.table} ${hop.rule.chain}: ${hop.rule.text}`, width)}
            </Text>
          ) : null}
          <Text> </Text>
          <Text bold>{t("traceHeaders")}</Text>
          {headers.map((h, i) => (
            <Text key={`${h.layer}-${h.name}`}>
              {layerWidth > 0
                ? padTo(i === 0 || headers[i - 1]?.layer !== h.layer ? h.layer : "", layerWidth)
                : ""}
              {padTo(h.name, 9)}
              {fitTo(h.value, width - layerWidth - 9)}
            </Text>
          ))}
        </>
      ) : null}
      <Box flexGrow={1} />
      <KeyFooter table={TRACE_KEYS} />
    </Box>
  );
}

/** The places the packet visits, the current one in brackets; `⇒` marks an encapsulated link. */
function Strip({
  stations,
  current,
  width,
  ascii,
}: {
  readonly stations: readonly Station[];
  readonly current: number;
  readonly width: number;
  readonly ascii: boolean;
}) {
  const plain = ascii ? " -> " : " → ";
  const tunnel = ascii ? " => " : " ⇒ ";
  const parts = stations.map((s, i) => {
    const name = i === current ? `[${s.netns}]` : s.netns;
    const mark = s.dropped ? (ascii ? " x" : " ✗") : "";
    const link = i === stations.length - 1 ? "" : s.encapsulatedAfter ? tunnel : plain;
    return {
      id: s.first,
      text: `${name}${mark}`,
      link,
      current: i === current,
      dropped: s.dropped,
    };
  });
  // Keep the current station in view when the whole path is wider than the screen.
  let from = 0;
  const lengthFrom = (k: number) =>
    parts.slice(k).reduce((n, p) => n + p.text.length + p.link.length, 0);
  while (from < current && lengthFrom(from) > width) from++;
  return (
    <Text wrap="truncate-end">
      {from > 0 ? "… " : ""}
      {parts.slice(from).map((p) => (
        <Text key={p.id}>
          <Text bold={p.current} color={p.dropped ? "red" : p.current ? "cyan" : undefined}>
            {p.text}
          </Text>
          <Text dimColor>{p.link}</Text>
        </Text>
      ))}
    </Text>
  );
}
