/** A JSON object as a payload holds it, its fields not yet checked. */
export type JsonObject = Record<string, unknown>;

/** `value` when it is a JSON object (not null, not an array); else undefined. */
export function objectOf(value: unknown): JsonObject | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}
