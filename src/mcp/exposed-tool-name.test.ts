import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/config-schema.js';
import { exposedToolName } from './exposed-tool-name.js';

describe('exposed tool names', () => {
  it('are <server>__<tool>', () => {
    expect(exposedToolName('files', 'read_file')).toBe('files__read_file');
    expect(exposedToolName('my_files', 'read__raw')).toBe('my_files__read__raw');
    expect(exposedToolName('files', 'v2.read-file')).toBe('files__v2.read-file');
  });

  it('are refused when the result would not be a valid MCP tool name', () => {
    expect(exposedToolName('files', 'read file')).toBeUndefined();
    expect(exposedToolName('files', 'read/file')).toBeUndefined();
    expect(exposedToolName('files', 'x'.repeat(122))).toBeUndefined();
    expect(exposedToolName('files', 'x'.repeat(121))).toHaveLength(128);
  });

  it('cannot collide, because the config refuses server names with "__" or a trailing "_"', () => {
    const server = (name: string) => configSchema.safeParse({ mcp: { servers: [{ name, transport: { type: 'stdio', command: 'x' } }] } }).success;
    expect(server('my_files')).toBe(true);
    expect(server('my-files2')).toBe(true);
    expect(server('my__files')).toBe(false);
    expect(server('files_')).toBe(false);
    expect(server('_files')).toBe(false);
    expect(server('files.v2')).toBe(false);
  });
});
