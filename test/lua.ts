/**
 * Runs an Argo CD Lua health script under a real Lua interpreter (fengari, Lua 5.3; Argo CD uses gopher-lua, 5.1)
 * with only the libraries Argo CD opens for a customization without `useOpenLibs`: base, table and package
 * (argoproj/argo-cd util/lua/lua.go `runLua`, v3.x; the EKS capability never enables useOpenLibs). So a script that
 * calls `string.*` or `math.*` fails here as it would in Argo CD.
 */
import fengari from 'fengari';

const { lua, lauxlib, lualib, to_luastring } = fengari;

type LuaState = unknown;

/** Pushes a JSON-like value: maps become tables, lists 1-based tables, null/undefined nil. */
function push(L: LuaState, value: unknown): void {
  if (value === null || value === undefined) lua.lua_pushnil(L);
  else if (typeof value === 'string') lua.lua_pushstring(L, to_luastring(value));
  else if (typeof value === 'number') lua.lua_pushnumber(L, value);
  else if (typeof value === 'boolean') lua.lua_pushboolean(L, value);
  else if (Array.isArray(value)) {
    lua.lua_createtable(L, value.length, 0);
    value.forEach((v, i) => {
      push(L, v);
      lua.lua_rawseti(L, -2, i + 1);
    });
  } else {
    lua.lua_newtable(L);
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      push(L, v);
      lua.lua_setfield(L, -2, to_luastring(k));
    }
  }
}

/** `{status, message}` the script returns for `obj`; throws with Lua's own message when the script fails. */
export function runHealthScript(script: string, obj: unknown): { status: string; message: string } {
  const L = lauxlib.luaL_newstate();
  for (const [name, open] of [['_G', lualib.luaopen_base], [lualib.LUA_TABLIBNAME, lualib.luaopen_table], [lualib.LUA_LOADLIBNAME, lualib.luaopen_package]] as const) {
    lauxlib.luaL_requiref(L, to_luastring(name), open, 1);
    lua.lua_pop(L, 1);
  }
  push(L, obj);
  lua.lua_setglobal(L, to_luastring('obj'));
  if (lauxlib.luaL_loadstring(L, to_luastring(script)) !== lua.LUA_OK || lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
    throw new Error(`Lua: ${lua.lua_tojsstring(L, -1)}`);
  }
  if (!lua.lua_istable(L, -1)) throw new Error('Lua: the script did not return a table');
  const field = (name: string): string => {
    lua.lua_getfield(L, -1, to_luastring(name));
    const v = lua.lua_isnil(L, -1) ? '' : lua.lua_tojsstring(L, -1);
    lua.lua_pop(L, 1);
    return v;
  };
  return { status: field('status'), message: field('message') };
}
