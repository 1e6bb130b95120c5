import { Box, Text } from "ink";
import { useEffect, useState } from "react";
import { formatClock } from "../../cli/duration";
import { useUi } from "../context";
import { fitTo } from "../text";

export interface ExamClockProps {
  /** When the exam was first opened (ms since the epoch). */
  readonly startedAt: number;
  /** When it ends (ms since the epoch), or null for no time limit. */
  readonly deadline: number | null;
  /** The lessons' digest, shortened: the instructor sees at a glance that everyone has the same. */
  readonly pack: string;
  /** Called once, when the clock reaches the deadline. */
  readonly onExpire: () => void;
}

/**
 * The exam's line above every screen: what is off, and the time left (or spent, without a
 * limit). It redraws itself once a second and nothing else, so the screen below is not redrawn
 * with it; at the deadline it calls `onExpire`.
 */
export function ExamClock({ startedAt, deadline, pack, onExpire }: ExamClockProps) {
  const { t, now, columns } = useUi();
  const [at, setAt] = useState(() => now().getTime());
  useEffect(() => {
    const timer = setInterval(() => setAt(now().getTime()), 1000);
    return () => clearInterval(timer);
  }, [now]);
  const over = deadline !== null && at >= deadline;
  useEffect(() => {
    if (over) onExpire();
  }, [over, onExpire]);
  const time =
    deadline === null
      ? t("examElapsed", { time: formatClock((at - startedAt) / 1000) })
      : t("examLeft", { time: formatClock(Math.ceil((deadline - at) / 1000)) });
  const urgent = deadline !== null && deadline - at <= 5 * 60 * 1000;
  const width = Math.max(20, columns - 2);
  return (
    <Box justifyContent="space-between" width={width}>
      <Text color="magenta" bold>
        {fitTo(t("examBar", { pack }), Math.max(10, width - time.length - 2))}
      </Text>
      <Text color={urgent ? "red" : undefined} bold={urgent}>
        {time}
      </Text>
    </Box>
  );
}
