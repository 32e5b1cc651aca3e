/**
 * A config field as axios's adapters read it: an own property, or one inherited from a prototype
 * of the application's (an `Object.create(defaults)` template), never one that prototype
 * pollution put on `Object.prototype`. Reading it any other way would let pollution move the
 * decision away from what axios then sends.
 */
export function configField(config: object, key: string): unknown {
  for (let o: object | null = config; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    if (Object.hasOwn(o, key)) return (config as Record<string, unknown>)[key];
  }
  return undefined;
}
