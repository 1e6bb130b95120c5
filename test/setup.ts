// Runs in every test worker before the test file is imported. vitest.config.ts already sets
// CI and FORCE_COLOR through `test.env`; these lines keep a developer's own shell from leaking
// colour or debug settings into what the tests see.
process.env.CI = "false";
process.env.FORCE_COLOR = "0";
delete process.env.NO_COLOR;
delete process.env.PODNET_DEBUG;
