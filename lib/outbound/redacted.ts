/**
 * What stands in for a credential wherever one is cut out of something the caller may log (a sent
 * request, an error's config, an error's text): one spelling for every transport, so that a test
 * or a log search for it finds them all.
 */
export const REDACTED = '[redacted]';
