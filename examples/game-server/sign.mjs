// Signs a request to the orchestrator's game-server routes: the server SDK's signRequest
// (@game-orchestrator/server), re-exported for scripts that only need the headers.
//
// Signature = lowercase hex HMAC-SHA256(key,
//   METHOD \n PATH \n QUERY \n TIMESTAMP \n hex(SHA-256(raw body bytes)))
// PATH has no query; QUERY is the raw query string without '?' ('' when none).
// The orchestrator accepts each signature once, so sign every request afresh.
export { signRequest } from '../../packages/server/server.mjs';
