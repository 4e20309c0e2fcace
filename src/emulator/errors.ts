/**
 * DigitalOcean error responses. Texts are the real ones where the reference records them
 * (digitalocean-api.md §2, §5.3); the few marked "unverified" are our best guess.
 */
export class DoApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorId: string,
    message: string,
  ) {
    super(message);
    this.name = 'DoApiError';
  }
}

export const MSG = {
  badRequest: 'error parsing request body',
  unauthorized: 'Unable to authenticate you.',
  notFound: 'The resource you were accessing could not be found.',
  rateLimited: 'API rate limit exceeded.',
  serverError: 'Unexpected server-side error',
  /** The spec's own example text for a generic payload validation failure. */
  payloadInvalid: 'request payload validation failed',
  dropletLimit: 'creating this/these droplet(s) will exceed your droplet limit',
  invalidSize: 'You specified an invalid size for Droplet creation.',
  invalidRegion: 'You specified an invalid region for Droplet creation.',
  invalidImage: 'You specified an invalid image for Droplet creation.',
  invalidName: 'Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)',
  sizeNotInRegion: 'Size is not available in this region.',
  imageNotInRegion: 'The image is not available in the requested region.',
  pendingEvent: 'Droplet already has a pending event.',
  /** Unverified: the docs say "You can't create more than 10 Droplets at the same time". */
  tooManyNames: "You can't create more than 10 Droplets at the same time.",
  /** Unverified: the real text for user_data over 64 KiB is unknown. */
  userDataTooLarge: 'user_data must not exceed 64 KiB.',
} as const;

export const notFound = (): DoApiError => new DoApiError(404, 'not_found', MSG.notFound);
export const unprocessable = (message: string): DoApiError => new DoApiError(422, 'unprocessable_entity', message);
export const badRequest = (message: string = MSG.badRequest): DoApiError => new DoApiError(400, 'bad_request', message);

/** The DO error body: `{id, message, request_id}`. */
export function errorBody(errorId: string, message: string, requestId: string): Record<string, string> {
  return { id: errorId, message, request_id: requestId };
}

/** The id DO uses for a status when we have no more specific one. */
export function errorIdForStatus(status: number): string {
  const ids: Record<number, string> = {
    400: 'bad_request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    405: 'method_not_allowed',
    413: 'request_entity_too_large',
    415: 'unsupported_media_type',
    422: 'unprocessable_entity',
    429: 'too_many_requests',
    503: 'service_unavailable',
  };
  return ids[status] ?? (status >= 500 ? 'server_error' : 'bad_request');
}

const STATUS_TEXT: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

/** The page Cloudflare's edge sends for 5xx: not JSON, which clients must tolerate. */
export function cloudflareHtml(status: number): string {
  const title = `${status} ${STATUS_TEXT[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n`;
}
