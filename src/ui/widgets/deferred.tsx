import { Text } from "ink";
import { type ReactNode, useEffect, useState } from "react";
import { useUi } from "../context";

/**
 * Shows `children` of what `load` resolves to, and a line saying it is loading until then: the
 * parts of the tutorial behind the first screen (the lesson engine, the simulator) arrive this
 * way, usually before anyone has pressed a key.
 */
export function Deferred<T>({
  load,
  children,
}: {
  readonly load: () => Promise<T>;
  readonly children: (value: T) => ReactNode;
}) {
  const { t } = useUi();
  const [state, setState] = useState<{ value: T } | { error: string } | null>(null);
  useEffect(() => {
    let live = true;
    load().then(
      (value) => {
        if (live) setState({ value });
      },
      (error: unknown) => {
        if (live) setState({ error: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => {
      live = false;
    };
  }, [load]);
  if (state === null) return <Text dimColor>{t("loading")}</Text>;
  if ("error" in state) return <Text color="red">{t("loadFailed", { message: state.error })}</Text>;
  return <>{children(state.value)}</>;
}
