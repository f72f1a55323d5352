/** Typed errors with a stable `code`, so callers and tests branch on the code, not the text. */
export class VppError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VppError';
    this.code = code;
  }
}
