// @auth/core's type declarations import preact (for its built-in HTML pages), and preact's JSX types pull in the
// DOM library, which would replace the Workers runtime types. The Worker never renders those pages with JSX, so
// tsconfig maps `preact` to this stand-in.
export namespace JSX {
  type Element = unknown;
  interface IntrinsicElements {
    input: Record<string, unknown>;
  }
}
