/** Types for sign.mjs: the server SDK's signRequest. */
export type { SignInput as SignRequestInput } from '../../packages/server/server.d.mts';
export { signRequest } from '../../packages/server/server.d.mts';
