// The e2e's npm packages for tests outside tests/e2e (tests/package/): Node resolves a bare
// import from the importing file's folder, so they come through here, from tests/e2e/node_modules.
export { remote } from "webdriverio";
export { default as pg } from "pg";
