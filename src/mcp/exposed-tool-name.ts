/**
 * The names the agent sees: `<server>__<tool>` (two underscores). MCP tool names are 1 to 128 of
 * `A-Z a-z 0-9 _ - .`; a server name has no `__` and does not end with `_` (the config checks it),
 * so the first `__` always ends the server name and two tools can never get the same name
 * (`my_files` + `read__raw` is `my_files__read__raw`, which no other pair can make).
 */
export const toolNameSeparator = '__';

const validToolName = /^[A-Za-z0-9._-]{1,128}$/;

/** The exposed name, or undefined when the server's tool name would not make a valid MCP tool name. */
export function exposedToolName(server: string, tool: string): string | undefined {
  const name = `${server}${toolNameSeparator}${tool}`;
  return validToolName.test(name) ? name : undefined;
}
