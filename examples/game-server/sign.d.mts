/** Types for sign.mjs: the server SDK's signRequest. */
export type { SignInput as SignRequestInput } from '../../src/sdk/server.d.mts';
export { signRequest } from '../../src/sdk/server.d.mts';
