/** Minimal typing of fengari 0.1.5 (it ships none): only what test/lua.ts uses. */
declare module 'fengari' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Lua C API mirrored in JS, untyped upstream
  const fengari: { lua: any; lauxlib: any; lualib: any; to_luastring(s: string): Uint8Array };
  export default fengari;
}
