// The entry of the multi-language plugin package (`pulumi package add`): Pulumi's Node.js plugin
// runner offers other languages every component this module exports, so it exports only the
// platform (its sub-components stay TypeScript-only). The schema analyzer reads this file in the
// sources and in the package, where it resolves `./index.js` to the declarations.
export { QuarantineDataPlatform } from './index.js';
