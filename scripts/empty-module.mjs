// Stands in for react-devtools-core in the bundle (see scripts/build.mjs): Ink loads it only
// when DEV=true, which a learner's run never sets; if it ever is, the calls do nothing.
const devtools = {
  initialize() {},
  connectToDevTools() {},
};

export default devtools;
