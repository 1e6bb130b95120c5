// What conf imports for two features podnet-learn never turns on: validation against a JSON
// schema (ajv and ajv-formats, used only when `schema`, `ajvOptions` or `rootSchema` is given)
// and migrations (semver, used only with `migrations`). Progress is checked by
// src/progress/schema.ts instead, and the store passes none of those options, so the bundle
// swaps the three packages for this module: about 180 KB less to load before the tutorial's
// first frame. Should a later change use either feature, it fails loudly here, not silently.
/** @param {string} what @returns {never} */
function unused(what) {
  throw new Error(
    `${what} is not in podnet-learn's bundle (scripts/conf-unused.mjs): conf's schema and migrations options are not used`,
  );
}

/** ajv/dist/2020.js */
export class Ajv2020 {
  constructor() {
    unused("ajv");
  }
}

const semverCalls = ["eq", "clean", "satisfies", "lte", "gt", "valid", "coerce"];

/** ajv-formats' module object (conf reads `.default`) and semver's default export. */
export default Object.fromEntries([
  ["default", () => unused("ajv-formats")],
  ...semverCalls.map((name) => [name, () => unused(`semver.${name}`)]),
]);
