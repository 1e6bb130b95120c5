import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    // Ink writes only the last frame when CI is set to anything but "false"/"0", and colour
    // codes would make every assertion on visible text brittle; pin both before any import.
    env: { CI: "false", FORCE_COLOR: "0" },
    setupFiles: ["test/setup.ts"],
    globalSetup: ["test/cli/global-setup.ts"],
    // Forks, not threads: CLI tests spawn processes and kernel tests enter network namespaces,
    // both of which want a real process each.
    pool: "forks",
    // CLI tests start Node several times per test; on a loaded 2-core machine that can take
    // seconds. Kernel tests under test/kernel/ set their own, longer, timeouts per test.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
