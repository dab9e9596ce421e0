// The pack's entry for the Pulumi CLI (package.json main). The CLI's Node.js policy runner
// (@pulumi/pulumi/cmd/run-policy-pack) require()s this folder after registering its vendored
// ts-node for .ts files; the rules are TypeScript ES modules like the rest of the repository, so
// this entry loads them with tsx instead and returns the promise the runner awaits.
const { tsImport } = require('tsx/esm/api');

module.exports = () => tsImport('./index.ts', __filename);
