// Where the settings an error is about sit: the middleware's own (bare names, `secret`) or a
// `protectedBackends` entry's (`protectedBackends[2].secret`, and which list holds the entry).
// Whoever throws builds its message with it from the start, so no message is rewritten afterwards.
// Plain strings, so the token core can take one without knowing about settings.

export interface FieldScope {
  /** Put before a field's name: '' for the middleware's own settings, or `protectedBackends[2].`. */
  prefix: string;
  /** Ends every message about it: '' or ` The entry is in the \`protectedBackends\` option.` */
  note: string;
}

/** The middleware's (or a provider's) own settings: fields named as they are. */
export const OWN_SETTINGS: FieldScope = Object.freeze({ prefix: '', note: '' });

/** The field as an error's `field` names it: `secret`, or `protectedBackends[2].secret`. */
export function scopedField(field: string, scope: FieldScope = OWN_SETTINGS): string {
  return `${scope.prefix}${field}`;
}

/** The field as a message names it, in backticks. */
export function fieldName(field: string, scope: FieldScope = OWN_SETTINGS): string {
  return `\`${scope.prefix}${field}\``;
}
