/** A presigned GET of the FileSnapshot's S3-held content; null when inline (lib/content-url.ts). */
export { request, response } from './lib/content-url.ts';
