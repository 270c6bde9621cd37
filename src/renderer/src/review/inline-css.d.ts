// Vite's `?inline` CSS import: the stylesheet as a string, not injected.
declare module '*.css?inline' {
  const css: string;
  export default css;
}
