/** An error's message for a log line or the terminal (anything thrown, not only Errors). */
export const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
